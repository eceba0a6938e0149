#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(token_max = 2.0, token_threshold = 3.0)] //~ ERROR `token_threshold` (3) exceeds `token_max` (2)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
