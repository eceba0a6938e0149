#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout(after = "200ms")] //~ ERROR before any retry can start
#[resile::circuit_breaker(name = "db")]
#[resile::retry(backoff = ["250ms", "1s"], jitter = "none", retry_if = transient)]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn transient(_: &Error) -> bool {
    true
}

fn main() {}
