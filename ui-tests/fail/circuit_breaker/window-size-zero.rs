#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", window_size = 0)] //~ ERROR `window_size` must be at least 1, found 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
