#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const FETCH: resile::RetryPolicy = resile::RetryPolicy::new().base_delay(std::time::Duration::from_millis(500));

// Each key is fine alone; with the policy's `base_delay`, the site's `max_delay` is too short.
#[resile::retry(policy = FETCH, max_delay = "100ms")] //~ ERROR `base_delay` (500ms) must not exceed `max_delay` (100ms)
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
