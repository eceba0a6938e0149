#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", max_open_timeout = 300)] //~ ERROR a duration needs a unit: write `"300ms"` or `"300s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
