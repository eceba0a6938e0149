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

#[resile::retry(max = 3)]
#[resile::chaos(hang_rate = 0.01)] //~ ERROR use of deprecated function
async fn call() -> Result<u32, Error> {
    Ok(1)
}

// A timeout above cuts the hangs: no warning.
#[resile::timeout("1s")]
#[resile::chaos(hang_rate = 0.01)]
async fn cut() -> Result<u32, Error> {
    Ok(1)
}

// Nor with `allow`.
#[resile::chaos(hang_rate = 0.01, allow = "chaos_hang_without_timeout")]
async fn allowed() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
