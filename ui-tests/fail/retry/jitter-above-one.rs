#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(jitter = 1.5)] //~ ERROR `jitter` must be within 0.0..=1.0, found 1.5
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
