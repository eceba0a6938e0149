#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 8, adaptive = "aimd", initial_concurrent = 10)] //~ ERROR `initial_concurrent` must be at most 8, found 10
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
