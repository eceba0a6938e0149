#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry]
fn call() -> Result<u32, Error> { //~ ERROR `#[retry]` applies to an `async fn`; the `async` keyword is missing
    Ok(1)
}

fn main() {}
