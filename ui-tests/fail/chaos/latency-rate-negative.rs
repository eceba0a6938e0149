#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(latency = "10ms", latency_rate = -0.5)] //~ ERROR `latency_rate` must be within 0.0..=1.0, found -0.5
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
