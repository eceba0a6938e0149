#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", open_timeout_multiplier = 0.5)] //~ ERROR `open_timeout_multiplier` must be at least 1.0, found 0.5
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
