#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

#[resile::chaos(latency = 200)] //~ ERROR a duration needs a unit
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
