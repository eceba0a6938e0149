#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout(duration = "1s")] //~ ERROR unknown argument `duration` for `#[timeout]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
