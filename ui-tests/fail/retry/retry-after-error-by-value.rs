#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

use std::time::Duration;

fn hint(_: Error) -> Option<Duration> {
    None
}

#[resile::retry(retry_after = hint)] //~ ERROR `retry_after` must be `fn(&E) -> Option<Duration>` where E is `Error`; this fn is `fn(Error) -> Option<Duration>`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
