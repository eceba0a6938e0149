#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", open_timeout = "0s")] //~ ERROR `open_timeout` must be greater than zero
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
