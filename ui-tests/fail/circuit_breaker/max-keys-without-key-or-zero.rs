#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "hosts", max_keys = 100)] //~ ERROR `max_keys` bounds the keys of a keyed `#[circuit_breaker]`
async fn fetch(host: &str) -> Result<usize, Error> {
    Ok(host.len())
}

#[resile::circuit_breaker(name = "hosts", key = host, max_keys = 0)] //~ ERROR `max_keys` must be at least 1
async fn fetch_zero(host: &str) -> Result<usize, Error> {
    Ok(host.len())
}

fn main() {}
