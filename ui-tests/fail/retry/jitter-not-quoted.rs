#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(jitter = full)] //~ ERROR expected a string for `jitter`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
