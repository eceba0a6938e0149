#[resile::retry(backoff = ["100ms", "500ms", "2s"], jitter = "none", retry_budget = "api")]
async fn fetch() -> std::io::Result<u32> {
    Ok(1)
}
