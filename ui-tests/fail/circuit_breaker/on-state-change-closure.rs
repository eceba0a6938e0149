#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(name = "db", on_state_change = |n, a, b| ())] //~ ERROR `on_state_change` takes a path to a function, not a closure
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
