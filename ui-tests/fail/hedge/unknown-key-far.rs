#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(attempts = 3)] //~ ERROR unknown argument `attempts` for `#[hedge]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
