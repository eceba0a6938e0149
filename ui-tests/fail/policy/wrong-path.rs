#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

const DB: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("db");

#[resile::circuit_breaker(policy = DB_POLICY)] //~ ERROR cannot find value `DB_POLICY`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let _ = DB;
}
