#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const DB_BREAKER: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("db");

#[resile::retry(policy = DB_BREAKER)] //~ ERROR mismatched types
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
