#![deny(deprecated)]

#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("1s")]
#[resile::retry(max = 3)] //~ ERROR use of deprecated function
#[resile::rate_limit(name = "api", rate = 10)]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
