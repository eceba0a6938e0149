#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(backoff = "linear", jitter = "decorrelated")] //~ ERROR `backoff = "linear"` has no effect with `jitter = "decorrelated"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
