#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(policy = resile::presets::PRODUCTION)] //~ ERROR mismatched types
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
