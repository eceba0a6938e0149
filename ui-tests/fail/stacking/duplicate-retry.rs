#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
#[resile::retry(max = 2)] //~ ERROR duplicate `#[retry]`: stacked `#[retry]`s multiply their attempts
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
