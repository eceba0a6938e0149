#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(error_rate = 0.1, seed = -1)] //~ ERROR `seed` must be at least 0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
