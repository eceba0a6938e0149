#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(delay = 0.05)] //~ ERROR a duration needs a unit: write `"0.05ms"` or `"0.05s"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
