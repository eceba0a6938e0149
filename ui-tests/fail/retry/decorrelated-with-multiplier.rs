#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(multiplier = 3.0, jitter = "decorrelated")] //~ ERROR `multiplier` has no effect with `jitter = "decorrelated"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
