#[resile::circuit_breaker(name = "hosts", key = host)]
#[resile::bulkhead(name = "tenants", max_concurrent = 4, max_wait = "10ms", key = tenant, max_keys = 1000)]
#[resile::rate_limit(name = "tenants", rate = 100, key = tenant)]
async fn fetch(host: &str, tenant: u64) -> Result<usize, Error> {
    Ok(host.len())
}
