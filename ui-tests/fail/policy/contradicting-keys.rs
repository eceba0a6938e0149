#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const DB: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("db");
const POOL: resile::BulkheadPolicy = resile::BulkheadPolicy::named("pool", 4);
const API: resile::RateLimitPolicy = resile::RateLimitPolicy::named("api", 10.0);
const READ: resile::HedgePolicy = resile::HedgePolicy::named("replicas").percentile(95.0);

#[resile::circuit_breaker(policy = DB, name = "cache", window_size = 10)] //~ ERROR `name` cannot be written next to `policy`
async fn breaker() -> Result<u32, Error> {
    Ok(1)
}

#[resile::bulkhead(policy = POOL, max_concurrent = 8, weight = 2)] //~ ERROR `max_concurrent` cannot be written next to `policy`
async fn bulkhead() -> Result<u32, Error> {
    Ok(1)
}

#[resile::rate_limit(policy = API, rate = 20, max_wait = "10ms")] //~ ERROR `rate` cannot be written next to `policy`
async fn limited() -> Result<u32, Error> {
    Ok(1)
}

#[resile::hedge(policy = READ, name = "other", min_samples = 5, max_requests = 3)] //~ ERROR `min_samples` cannot be written next to `policy`
async fn hedged() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
