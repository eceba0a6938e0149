#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const API: resile::RateLimitPolicy = resile::RateLimitPolicy::named("api", 10.0);

#[resile::rate_limit(policy = API, backend = "redis")] //~ ERROR `backend = "redis"` is not supported with `policy` yet
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
