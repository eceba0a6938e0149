#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(backoff = ["100ms", "10s"])] //~ ERROR backoff list delay 10s exceeds `max_delay` (5s)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
