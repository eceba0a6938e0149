#[resile::rate_limit(name = "api", rate = 33.3, burst_size = 50, weight = 2, max_wait = "1s")]
async fn search(q: &str) -> Result<Hits, ApiError> {
    api().search(q).await
}
