#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 2)]
#[resile::bulkhead(name = "pool", max_concurrent = 2)] //~ ERROR duplicate `#[bulkhead(name = "pool")]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
