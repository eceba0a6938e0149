#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("1.5s")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

#[::resile::timeout("100ms")]
async fn millis() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
