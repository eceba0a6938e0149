#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(percentile = 100.0)] //~ ERROR `percentile` must be within 0 < p < 100, found 100
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
