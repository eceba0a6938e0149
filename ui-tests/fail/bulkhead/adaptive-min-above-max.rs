#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 8, adaptive = "vegas", min_concurrent = 9)] //~ ERROR `min_concurrent` must be at most 8, found 9
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
