#[resile::retry(max = 4, backoff = "exp", base_delay = "50ms", jitter = "equal", retry_if = is_transient)]
async fn fetch(id: u64, name: &str) -> Result<String, FetchError> {
    if id == 0 {
        return Err(FetchError::NotFound);
    }
    Ok(format!("{name}-{id}"))
}
