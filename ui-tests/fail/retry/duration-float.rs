#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(base_delay = 0.5)] //~ ERROR invalid duration for `base_delay`: ... found a float
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
