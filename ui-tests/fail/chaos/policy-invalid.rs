#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

const BROKEN: resile::ChaosPolicy = resile::ChaosPolicy::new().error_rate(0.6).hang_rate(0.5);

#[resile::chaos(policy = BROKEN)] //~ ERROR invalid `chaos` policy: `error_rate` (0.6) + `hang_rate` (0.5) exceeds 1.0
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
