#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(backoff = "exponentail")] //~ ERROR unknown backoff `"exponentail"`; did you mean `"exponential"`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
