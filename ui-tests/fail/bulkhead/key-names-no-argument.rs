#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const TENANT: u64 = 7;

#[resile::bulkhead(name = "pool", max_concurrent = 4, key = TENANT)] //~ ERROR `key` of `#[bulkhead]` names no argument
async fn query(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

fn main() {}
