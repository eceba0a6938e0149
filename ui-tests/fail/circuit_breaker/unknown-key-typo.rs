#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", failure_rate_treshold = 0.5)] //~ ERROR unknown argument `failure_rate_treshold` for `#[circuit_breaker]`; did you mean `failure_rate_threshold`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
