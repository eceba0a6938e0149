#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("5__000ms")] //~ ERROR invalid duration for `after`: `5__000`: an underscore must sit between two digits, e.g. `"5_000ms"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
