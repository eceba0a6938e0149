#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

use std::time::Duration;

fn is_transient(_: &Error) -> bool {
    true
}

fn log_retry(_attempt: u32, _delay: Duration, _err: &Error) {}

#[resile::retry(
    max = 5,
    backoff = "exponential",
    base_delay = "50ms",
    max_delay = "2s",
    multiplier = 1.5,
    jitter = 0.25,
    budget = "10s",
    retry_if = is_transient,
    on_retry = log_retry,
    retry_budget = "db",
)]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

#[resile::retry(backoff = "linear", increment = "20ms", jitter = "equal")]
async fn linear() -> Result<u32, Error> {
    Ok(1)
}

#[resile::retry(backoff = ["100ms", "500ms", "1.5s"], jitter = "none")]
async fn listed() -> Result<u32, Error> {
    Ok(1)
}

#[resile::retry(backoff = "fibonacci", base_delay = "0ms", jitter = "decorrelated")]
async fn fibonacci() -> Result<u32, Error> {
    Ok(1)
}

#[resile::retry(max = 1, backoff = "constant", jitter = "full")]
async fn once() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
