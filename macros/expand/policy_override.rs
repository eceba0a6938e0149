#[resile::retry(policy = resile::presets::PRODUCTION, max = 2, retry_if = is_transient)]
#[resile::bulkhead(policy = POOL, weight = 2)]
async fn fetch(id: u64) -> Result<String, FetchError> {
    client().get(id).await
}
