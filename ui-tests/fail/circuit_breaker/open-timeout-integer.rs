#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", open_timeout = 30)] //~ ERROR a duration needs a unit: write `"30ms"` or `"30s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
