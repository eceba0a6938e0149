#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 5)]
#[resile::rate_limit(name = "api", rate = 5)] //~ ERROR duplicate `#[rate_limit(name = "api")]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
