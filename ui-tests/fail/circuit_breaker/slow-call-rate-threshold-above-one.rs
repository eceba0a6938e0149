#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", slow_call_threshold = "500ms", slow_call_rate_threshold = 1.5)] //~ ERROR `slow_call_rate_threshold` must be greater than 0.0 and at most 1.0, found 1.5
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
