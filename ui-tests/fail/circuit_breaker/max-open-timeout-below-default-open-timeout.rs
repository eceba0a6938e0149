#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

// `open_timeout` is 60 s unless written.
#[resile::circuit_breaker(name = "db", open_timeout_multiplier = 2.0, max_open_timeout = "30s")] //~ ERROR `open_timeout` (60s) must not exceed `max_open_timeout` (30s)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
