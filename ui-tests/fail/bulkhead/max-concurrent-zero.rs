#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 0)] //~ ERROR `max_concurrent` must be at least 1, found 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
