#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
#[resile::circuit_breaker(name = "db", allow = "retry_into_open_breaker")] //~ ERROR is reported on `#[retry]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
