#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 10)]
#[resile::timeout("1s")]
#[resile::fallback(cached)] //~ ERROR `#[fallback]` below `#[rate_limit]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

async fn cached(_error: Error) -> Result<u32, Error> {
    Ok(0)
}

fn main() {}
