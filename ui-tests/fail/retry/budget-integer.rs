#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(budget = 2)] //~ ERROR a duration needs a unit: write `"2ms"` or `"2s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
