#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 10, burst_size = 0.5)] //~ ERROR `burst_size` must be within 1.0..=1000000000000.0, found 0.5
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
