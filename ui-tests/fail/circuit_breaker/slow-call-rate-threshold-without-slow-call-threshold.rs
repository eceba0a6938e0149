#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", slow_call_rate_threshold = 0.5)] //~ ERROR `slow_call_rate_threshold` has no effect without `slow_call_threshold`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
