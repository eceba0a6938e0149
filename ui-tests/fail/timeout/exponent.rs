#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout(1e3)] //~ ERROR a duration needs a unit: write `"1000ms"` or `"1000s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
