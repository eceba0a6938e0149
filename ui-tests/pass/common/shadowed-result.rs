#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

type Result<T> = std::result::Result<T, Error>;

#[resile::retry(max = 3)]
#[resile::timeout("1s")]
async fn call() -> Result<u32> {
    Ok(1)
}

fn main() {}
