#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
#[resile::timeout("1s")]
#[tracing::instrument]
async fn call(id: u64) -> Result<u64, Error> {
    Ok(id)
}

fn main() {}
