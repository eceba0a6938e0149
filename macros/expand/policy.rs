const DB: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("db").window_size(50);

#[resile::circuit_breaker(policy = DB)]
async fn load(id: u64) -> Result<Row, DbError> {
    db().get(id).await
}
