//! `backend = "redis"` compiles without the facade's `redis` feature: the site asks the
//! installed backend at run time, and refuses with `Rejection::NoBackend` while none is.

#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 100, burst_size = 10, weight = 2, max_wait = "20ms", backend = "redis")]
async fn remote() -> Result<u32, Error> {
    Ok(1)
}

#[resile::rate_limit(name = "local-api", rate = 100, backend = "local")]
async fn local() -> Result<u32, Error> {
    Ok(1)
}

#[resile::rate_limit(name = "api", rate = 100, burst_size = 10, backend = "redis")]
#[resile::retry(max = 2)]
#[resile::timeout("1s")]
async fn stacked(id: &str) -> Result<usize, Error> {
    Ok(id.len())
}

fn main() {
    let _ = (remote(), local(), stacked("x"));
}
