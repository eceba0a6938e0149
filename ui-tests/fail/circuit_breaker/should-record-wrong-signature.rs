#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn classify(_: &Error) -> resile::Outcome {
    resile::Outcome::Failure
}

#[resile::circuit_breaker(name = "db", should_record = classify)] //~ ERROR `should_record` must be `fn(&R) -> resile::Outcome` where R is `Result<u32, Error>`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
