#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(multiplier = 0.5)] //~ ERROR `multiplier` must be at least 1.0, found 0.5
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
