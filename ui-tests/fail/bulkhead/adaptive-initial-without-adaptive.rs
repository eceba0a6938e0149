#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 8, initial_concurrent = 4)] //~ ERROR `initial_concurrent` has no effect without `adaptive`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
