#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3, allow = retry_into_open_breaker)] //~ ERROR `allow` takes the name of a resile lint as a string
#[resile::circuit_breaker(name = "db")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
