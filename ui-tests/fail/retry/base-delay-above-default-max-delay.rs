#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(base_delay = "10s")] //~ ERROR `base_delay` (10s) must not exceed `max_delay` (5s)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
