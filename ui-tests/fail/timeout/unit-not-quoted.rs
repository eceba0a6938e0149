#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout(5ms)] //~ ERROR a duration is written as a string: `"5ms"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
