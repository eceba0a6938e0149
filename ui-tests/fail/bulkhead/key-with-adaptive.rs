#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pools", max_concurrent = 40, adaptive = "gradient2", key = tenant)] //~ ERROR `key` is not supported with `adaptive` yet
async fn serve(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

fn main() {}
