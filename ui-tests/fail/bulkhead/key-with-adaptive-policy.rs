use resile::bulkhead::{AdaptiveAlgorithm, BulkheadConfig};

#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const POOLS: resile::BulkheadPolicy =
    resile::BulkheadPolicy::with_config("pools", BulkheadConfig::new(40).adaptive(AdaptiveAlgorithm::Vegas));

#[resile::bulkhead(policy = POOLS, key = tenant)] //~ ERROR `key` is not supported with an adaptive policy yet
async fn serve(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

fn main() {}
