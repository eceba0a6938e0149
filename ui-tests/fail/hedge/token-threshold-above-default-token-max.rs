#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(token_threshold = 20.0)] //~ ERROR `token_threshold` (20) exceeds `token_max` (10)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
