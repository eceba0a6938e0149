#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 10, burst_size = 2, weight = 3)] //~ ERROR `weight` (3) exceeds `burst_size` (2)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
