#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(base_delay = "0ms", jitter = "decorrelated")] //~ ERROR decorrelated jitter grows from `base_delay`: with 0 every delay is 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
