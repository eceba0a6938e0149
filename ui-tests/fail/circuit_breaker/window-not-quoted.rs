#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", window = time)] //~ ERROR expected a string for `window`; write `window = "time"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
