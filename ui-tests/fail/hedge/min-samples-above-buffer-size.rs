#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(percentile = 95.0, buffer_size = 10, min_samples = 20)] //~ ERROR `min_samples` (20) exceeds `buffer_size` (10)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
