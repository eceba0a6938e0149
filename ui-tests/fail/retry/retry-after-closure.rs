#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(retry_after = |_| None)] //~ ERROR `retry_after` takes a path to a function, not a closure
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
