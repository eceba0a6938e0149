#[resile::retry(max = 3)]
#[resile::circuit_breaker(name = "db")]
async fn load(id: u64) -> Result<u64, DbError> {
    Ok(id)
}
