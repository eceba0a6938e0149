#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn transient(_: &Error) -> bool {
    false
}

#[resile::retry(max = 3, retry_if = transient)]
#[resile::circuit_breaker(name = "db")]
#[resile::bulkhead(name = "db", max_concurrent = 10, max_wait = "5ms")]
#[resile::rate_limit(name = "db", rate = 100, max_wait = "10ms")]
#[resile::timeout("1s")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    assert_send(call());
}
