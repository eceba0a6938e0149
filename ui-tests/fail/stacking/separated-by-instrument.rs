#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry]
#[tracing::instrument]
#[resile::timeout("1s")] //~ ERROR `#[timeout]` is separated from the resile attributes above it by `#[tracing::instrument]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
