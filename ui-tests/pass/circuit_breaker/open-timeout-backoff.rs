use std::time::Duration;

#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "backoff", open_timeout = "1s", open_timeout_multiplier = 2.0, max_open_timeout = "5m")]
async fn backing_off() -> Result<u32, Error> {
    Ok(1)
}

const BACKOFF: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("backoff-policy")
    .open_timeout_multiplier(1.5)
    .max_open_timeout(Duration::from_secs(120));

#[resile::circuit_breaker(policy = BACKOFF)]
async fn declared() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
