#![deny(deprecated)]

#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)] //~ ERROR use of deprecated function
#[resile::circuit_breaker(name = "db")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
