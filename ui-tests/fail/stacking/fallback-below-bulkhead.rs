#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 2)]
#[resile::fallback(cached)] //~ ERROR `#[fallback]` below `#[bulkhead]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

async fn cached(_error: Error) -> Result<u32, Error> {
    Ok(0)
}

fn main() {}
