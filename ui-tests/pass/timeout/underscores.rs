#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

// Underscores separate digits, as in a Rust literal.
#[resile::timeout("5_000ms")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

#[resile::retry(backoff = ["1_500us", "0.000_5s"])]
async fn retried() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
