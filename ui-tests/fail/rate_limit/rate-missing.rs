#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api")] //~ ERROR `#[rate_limit]` needs a `rate`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
