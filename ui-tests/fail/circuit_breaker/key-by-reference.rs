#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "hosts", key = &host)] //~ ERROR `key` of `#[circuit_breaker]` is read by reference already
async fn fetch(host: &str) -> Result<usize, Error> {
    Ok(host.len())
}

fn main() {}
