#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout(afer = "1s")] //~ ERROR unknown argument `afer` for `#[timeout]`; did you mean `after`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
