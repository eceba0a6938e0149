#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

use std::time::Duration;

fn log_retry(_attempt: u32, _delay: Duration, _err: Error) {}

#[resile::retry(on_retry = log_retry)] //~ ERROR `on_retry` must be `fn(u32, Duration, &E)` where E is `Error`; this fn is `fn(u32, Duration, Error)`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
