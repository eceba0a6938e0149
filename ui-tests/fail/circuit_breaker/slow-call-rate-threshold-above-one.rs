#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", slow_call_threshold = "500ms", slow_call_rate_threshold = 2.0)] //~ ERROR `slow_call_rate_threshold` must be within 0.0 (exclusive) ..= 1.0, found 2
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
