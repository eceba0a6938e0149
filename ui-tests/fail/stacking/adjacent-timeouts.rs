#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("1s")]
#[resile::timeout("2s")] //~ ERROR duplicate `#[timeout]`: with nothing between them only the shorter can fire
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
