#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn log_change(_name: String, _from: resile::State, _to: resile::State) {}

#[resile::circuit_breaker(name = "db", on_state_change = log_change)] //~ ERROR `on_state_change` must be `fn(&str, resile::State, resile::State)`; this fn is `fn(String, State, State)`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
