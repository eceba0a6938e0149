#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(base_delay = 100)] //~ ERROR a duration needs a unit: write `"100ms"` or `"100s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
