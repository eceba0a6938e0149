#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 2, weight = 3)] //~ ERROR `weight` (3) exceeds the default `burst_size`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
