#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = -1.5)] //~ ERROR `rate` must be greater than 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
