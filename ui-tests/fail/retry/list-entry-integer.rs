#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(backoff = ["100ms", 500])] //~ ERROR a backoff delay needs a unit: write `"500ms"` or `"500s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
