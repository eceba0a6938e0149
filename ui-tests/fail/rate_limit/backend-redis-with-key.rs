#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 10, backend = "redis", key = tenant)] //~ ERROR `key` is not supported with `backend = "redis"` yet
async fn call(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

fn main() {}
