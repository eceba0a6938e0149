#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(max_concurrent = 4)] //~ ERROR `#[bulkhead]` needs a `name`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
