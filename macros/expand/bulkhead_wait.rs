#[resile::bulkhead(name = "db", max_concurrent = 10, max_wait = "20ms", weight = 2)]
async fn load(id: u64) -> Result<Row, DbError> {
    db().get(id).await
}
