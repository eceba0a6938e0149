#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

// Several mistakes, several errors.
#[resile::chaos(error_rate = 2.0, latency = 5, latency_rate = 0.5, hang_rat = 0.1)]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
