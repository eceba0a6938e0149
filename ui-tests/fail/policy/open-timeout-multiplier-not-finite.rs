#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const DB: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("db").open_timeout_multiplier(f64::INFINITY);

#[resile::circuit_breaker(policy = DB)] //~ ERROR `open_timeout_multiplier` must be a finite number, found inf
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
