#[resile::bulkhead(name = "db", max_concurrent = 10)]
async fn load(id: u64) -> Result<Row, DbError> {
    db().get(id).await
}
