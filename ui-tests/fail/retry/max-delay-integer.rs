#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max_delay = 5)] //~ ERROR a duration needs a unit: write `"5ms"` or `"5s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
