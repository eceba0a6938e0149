#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", failure_rate_threshold = 1.5)] //~ ERROR `failure_rate_threshold` must be within 0.0 (exclusive) ..= 1.0, found 1.5
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
