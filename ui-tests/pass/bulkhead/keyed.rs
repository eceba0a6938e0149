#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "keyed-pool", max_concurrent = 2, max_wait = "10ms", key = tenant)]
#[resile::rate_limit(name = "keyed-limit", rate = 100, max_wait = "5ms", key = tenant, max_keys = 1000)]
async fn query(tenant: &str, sql: String) -> Result<String, Error> {
    Ok(sql)
}

const POOL: resile::BulkheadPolicy = resile::BulkheadPolicy::named("keyed-pool-policy", 4);

#[resile::bulkhead(policy = POOL, key = tenant)]
#[resile::rate_limit(name = "keyed-limit-now", rate = 10, key = tenant)]
async fn now(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

fn main() {
    let _ = (query("t", String::new()), now(1));
}
