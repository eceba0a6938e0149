#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(token_max = 0)] //~ ERROR `token_max` must be greater than 0, found 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
