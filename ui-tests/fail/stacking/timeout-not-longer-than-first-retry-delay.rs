#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("100ms")] //~ ERROR before any retry can start
#[resile::retry(max = 3, base_delay = "100ms", jitter = "none")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
