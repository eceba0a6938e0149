#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(eror_rate = 0.1)] //~ ERROR unknown argument `eror_rate` for `#[chaos]`; did you mean `error_rate`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
