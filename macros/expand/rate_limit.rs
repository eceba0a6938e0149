#[resile::rate_limit(name = "api", rate = 100)]
async fn search(q: &str) -> Result<Hits, ApiError> {
    api().search(q).await
}
