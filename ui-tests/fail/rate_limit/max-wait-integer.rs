#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 10, max_wait = 100)] //~ ERROR a duration needs a unit: write `"100ms"` or `"100s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
