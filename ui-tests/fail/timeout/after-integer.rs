#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout(after = 250)] //~ ERROR a duration needs a unit: write `"250ms"` or `"250s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
