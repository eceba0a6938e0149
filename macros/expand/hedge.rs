#[resile::hedge(percentile = 95.0, max_requests = 3, timeout = "1s", name = "replicas")]
async fn read(&self, key: &str) -> Result<Bytes, ReadError> {
    self.replica().get(key).await
}
