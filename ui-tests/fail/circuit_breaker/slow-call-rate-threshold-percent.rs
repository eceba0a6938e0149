#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", slow_call_threshold = "1s", slow_call_rate_threshold = 80)] //~ ERROR `slow_call_rate_threshold` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.8`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
