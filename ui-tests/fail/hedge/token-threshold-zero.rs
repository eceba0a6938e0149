#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(token_threshold = 0)] //~ ERROR `token_threshold` must be greater than 0, found 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
