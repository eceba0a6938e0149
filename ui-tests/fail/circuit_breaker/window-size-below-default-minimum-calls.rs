#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", window_size = 5)] //~ ERROR `minimum_calls` (10) exceeds `window_size` (5)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
