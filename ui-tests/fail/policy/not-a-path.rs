#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(policy = "db")] //~ ERROR `policy` takes the path of a `const` policy, not a literal
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
