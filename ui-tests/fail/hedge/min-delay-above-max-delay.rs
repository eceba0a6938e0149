#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(percentile = 95.0, min_delay = "2s", max_delay = "1s")] //~ ERROR `min_delay` (2s) must not exceed `max_delay` (1s)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
