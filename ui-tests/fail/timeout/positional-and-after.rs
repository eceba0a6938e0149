#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("1s", after = "2s")] //~ ERROR duplicate argument `after`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
