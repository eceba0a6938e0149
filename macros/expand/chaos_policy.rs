#[resile::chaos(policy = FLAKY, name = "db", latency = "5ms")]
async fn load(id: u64) -> Result<u64, Error> {
    Ok(id)
}
