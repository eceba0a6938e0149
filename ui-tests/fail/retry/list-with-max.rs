#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(backoff = ["100ms", "500ms"], max = 3)] //~ ERROR `max` cannot be combined with a backoff list
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
