#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn log_change(_name: &str, _to: resile::State) {}

#[resile::circuit_breaker(name = "db", on_state_change = log_change)] //~ ERROR function is expected to take 3 arguments, but it takes 2 arguments
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
