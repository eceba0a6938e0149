#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", minimum_calls = 20, window_size = 10)] //~ ERROR `minimum_calls` (20) exceeds `window_size` (10)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
