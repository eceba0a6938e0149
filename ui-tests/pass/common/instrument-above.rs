#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[tracing::instrument]
#[resile::retry(max = 3)]
#[resile::timeout("1s")]
async fn call(id: u64) -> Result<u64, Error> {
    Ok(id)
}

#[tracing::instrument(err(Debug))]
#[resile::retry(max = 3)]
async fn with_err(id: u64) -> Result<u64, Error> {
    Ok(id)
}

fn main() {}
