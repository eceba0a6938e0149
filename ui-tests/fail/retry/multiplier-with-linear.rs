#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(backoff = "linear", multiplier = 3.0)] //~ ERROR `multiplier` only applies to `backoff = "exp"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
