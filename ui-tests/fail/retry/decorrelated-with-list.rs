#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(backoff = ["1s", "2s"], jitter = "decorrelated")] //~ ERROR `jitter = "decorrelated"` draws its own delays from `base_delay`; it cannot follow a backoff list
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
