#[resile::retry(max = 3, allow = "retry_into_open_breaker")]
#[resile::circuit_breaker(name = "db", failure_rate_threshold = 0.5)]
#[resile::timeout("200ms")]
async fn load_user(&self, id: u64) -> Result<User, DbError> {
    self.db.get(id).await
}
