#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(hang_rate = 0.5, error_rate = 0.6)] //~ ERROR `error_rate` (0.6) + `hang_rate` (0.5) exceeds 1.0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
