//! Stacks that are fine compile without a warning, and `allow = ".."` silences one.
#![deny(warnings)]

#[derive(Debug, Clone)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn not_rejected(_: &Error) -> bool {
    true
}

async fn cached(_error: Error) -> Result<u32, Error> {
    Ok(0)
}

// The retry filters what it retries.
#[resile::retry(max = 3, retry_if = not_rejected)]
#[resile::circuit_breaker(name = "db")]
#[resile::rate_limit(name = "api", rate = 10)]
async fn filtered() -> Result<u32, Error> {
    Ok(1)
}

// The breaker and the limiter see one call, whatever its attempts.
#[resile::circuit_breaker(name = "db")]
#[resile::rate_limit(name = "api", rate = 10)]
#[resile::retry(max = 3)]
async fn retry_below() -> Result<u32, Error> {
    Ok(1)
}

// Silenced where it is reported.
#[resile::retry(max = 3, allow = ["retry_into_open_breaker", "retry_into_rate_limit"])]
#[resile::circuit_breaker(name = "db")]
#[resile::rate_limit(name = "api", rate = 10)]
async fn allowed() -> Result<u32, Error> {
    Ok(1)
}

// A deadline longer than the first delay, and a jitter that may sleep 0.
#[resile::timeout("150ms")]
#[resile::retry(base_delay = "100ms", jitter = "none")]
async fn deadline_after_first_delay() -> Result<u32, Error> {
    Ok(1)
}

#[resile::timeout("50ms")]
#[resile::retry(base_delay = "100ms")]
async fn full_jitter() -> Result<u32, Error> {
    Ok(1)
}

// A fallback below a timeout or a single flight: the deadline bounds both, the callers
// share the fallback's result.
#[resile::single_flight(key = id)]
#[resile::timeout("1s")]
#[resile::fallback(cached_for)]
async fn fallback_inside(id: u64) -> Result<u32, Error> {
    Ok(u32::try_from(id).unwrap_or(0))
}

async fn cached_for(_id: u64, _error: Error) -> Result<u32, Error> {
    Ok(0)
}

// A fallback for the fallback: the outer one catches the inner fallback's own errors.
#[resile::fallback(cached)]
#[resile::fallback(cached)]
async fn two_fallbacks() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
