#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", name = "cache")] //~ ERROR duplicate argument `name`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
