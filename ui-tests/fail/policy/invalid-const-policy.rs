#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

use std::time::Duration;

const DB: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("db").window_size(0);

const FETCH: resile::RetryPolicy = resile::RetryPolicy::new()
    .base_delay(Duration::from_secs(10)); // above the default `max_delay`

#[resile::circuit_breaker(policy = DB)] //~ ERROR `window_size` must be at least 1, found 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

#[resile::retry(policy = FETCH)] //~ ERROR `base_delay` (10s) exceeds the default `max_delay` (5s)
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
