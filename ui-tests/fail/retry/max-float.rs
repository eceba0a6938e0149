#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3.0)] //~ ERROR expected an integer for `max`, found `3.0`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
