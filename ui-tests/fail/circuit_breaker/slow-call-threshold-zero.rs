#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", slow_call_threshold = "0ms")] //~ ERROR `slow_call_threshold` must be greater than zero
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
