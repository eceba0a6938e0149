#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max)] //~ ERROR expected `max = <value>`, found `max` alone
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
