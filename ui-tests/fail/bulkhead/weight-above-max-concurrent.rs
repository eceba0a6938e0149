#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 2, weight = 3)] //~ ERROR `weight` (3) exceeds `max_concurrent` (2)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
