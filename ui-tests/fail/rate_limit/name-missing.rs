#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(rate = 10)] //~ ERROR `#[rate_limit]` needs a `name`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
