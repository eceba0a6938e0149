#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout(after = "250ms")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

#[resile::timeout(after = "250ms")]
async fn millis() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
