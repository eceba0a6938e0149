#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(backoff = "random")] //~ ERROR unknown backoff `"random"`; expected one of ...
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
