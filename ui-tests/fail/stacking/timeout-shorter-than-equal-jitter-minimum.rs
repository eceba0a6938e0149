#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("400ms")] //~ ERROR before any retry can start
#[resile::retry(base_delay = "1s", jitter = "equal")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
