#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

// `Rejection::hint` needs the error to say where its `Rejection` is.
#[resile::retry(retry_after = resile::Rejection::hint)] //~ ERROR `Error` does not implement `resile::AsRejection`, which `Rejection::hint` needs
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
