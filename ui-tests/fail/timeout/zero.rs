#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("0ms")] //~ ERROR `after` must be greater than zero
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
