#[resile::retry(max = 3, jitter = "none")]
#[resile::timeout("1s")]
#[resile::chaos(error_rate = 0.1, latency = "200ms", latency_rate = 0.25, hang_rate = 0.01, seed = 7)]
async fn load(id: u64) -> Result<u64, Error> {
    Ok(id)
}
