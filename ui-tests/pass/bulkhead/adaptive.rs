#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "adaptive-pool", max_concurrent = 40, adaptive = "gradient2", min_concurrent = 2, initial_concurrent = 10)]
async fn call(x: &str) -> Result<usize, Error> {
    Ok(x.len())
}

#[resile::bulkhead(name = "vegas-pool", max_concurrent = 40, max_wait = "10ms", adaptive = "vegas")]
async fn waits(x: &str) -> Result<usize, Error> {
    Ok(x.len())
}

const POOL: resile::BulkheadPolicy = resile::BulkheadPolicy::named("aimd-pool", 16)
    .adaptive(resile::bulkhead::AdaptiveAlgorithm::Aimd)
    .min_concurrent(2);

#[resile::bulkhead(policy = POOL, max_wait = "5ms")]
async fn by_policy(x: &str) -> Result<usize, Error> {
    Ok(x.len())
}

fn main() {
    let _ = call("x");
    let _ = waits("x");
    let _ = by_policy("x");
}
