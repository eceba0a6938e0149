#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 2, max_wait = 50)] //~ ERROR a duration needs a unit: write `"50ms"` or `"50s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
