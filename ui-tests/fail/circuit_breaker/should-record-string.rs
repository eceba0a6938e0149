#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", should_record = "classify")] //~ ERROR `should_record` takes a path to a function, not a string
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
