#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

/// Docs stay on the function.
#[resile::retry(max = 3)]
#[allow(clippy::unused_async)]
#[inline]
#[resile::timeout("1s")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
