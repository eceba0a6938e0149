#![deny(deprecated)]

#[derive(Debug)]
struct Error;

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error
    }
}

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::chaos(error_rate = 0.1)] //~ ERROR use of deprecated function
#[resile::retry(max = 3)]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

// Innermost, where the downstream's faults arise: no warning.
#[resile::retry(max = 3)]
#[resile::chaos(error_rate = 0.1)]
async fn inner() -> Result<u32, Error> {
    Ok(1)
}

// Outermost on purpose (faults of the caller's side), said with `allow`.
#[resile::chaos(error_rate = 0.1, allow = "chaos_above_policy")]
#[resile::retry(max = 3)]
async fn allowed() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
