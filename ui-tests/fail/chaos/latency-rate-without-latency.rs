#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(error_rate = 0.1, latency_rate = 0.5)] //~ ERROR `latency_rate` has no effect without `latency`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
