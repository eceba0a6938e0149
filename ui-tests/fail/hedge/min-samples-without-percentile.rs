#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(min_samples = 20)] //~ ERROR `min_samples` only applies to the adaptive mode
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
