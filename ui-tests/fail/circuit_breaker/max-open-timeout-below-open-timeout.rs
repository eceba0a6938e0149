#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", open_timeout = "10s", max_open_timeout = "5s")] //~ ERROR `open_timeout` (10s) must not exceed `max_open_timeout` (5s)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
