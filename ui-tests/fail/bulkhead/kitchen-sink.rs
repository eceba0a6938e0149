#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 0, max_wait = 5, wieght = 2)] //~ ERROR three errors
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
