#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(max_requests = 0)] //~ ERROR `max_requests` must be at least 1, found 0
#[resile::circuit_breaker(name = "db", minimum_calls = 0)] //~ ERROR `minimum_calls` must be at least 1, found 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
