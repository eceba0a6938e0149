#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(hang_rate = 5)] //~ ERROR `hang_rate` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.05`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
