#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 8, adaptive = "aimd", min_concurrent = 4, initial_concurrent = 2)] //~ ERROR `initial_concurrent` must be at least 4, found 2
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
