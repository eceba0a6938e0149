#[resile::retry(max = 3, retry_if = transient)]
#[resile::circuit_breaker(name = "db")]
#[resile::bulkhead(name = "db", max_concurrent = 10)]
#[resile::rate_limit(name = "db", rate = 100)]
async fn load(id: u64) -> Result<Row, DbError> {
    db().get(id).await
}
