#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(percentile = 95.0, initial_delay = "2s", timeout = "1s")] //~ ERROR `initial_delay` (2s) must be shorter than `timeout` (1s)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
