#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(token_success_credit = -0.1)] //~ ERROR `token_success_credit` must be greater than 0, found -0.1
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
