#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = -1)] //~ ERROR `max` must be at least 1, found a negative number
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
