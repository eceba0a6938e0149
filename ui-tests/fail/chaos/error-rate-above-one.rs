#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(error_rate = 1.5)] //~ ERROR `error_rate` must be within 0.0..=1.0, found 1.5
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
