#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(base_delay = "500ms", jitter = 0.2, budget = "300ms")] //~ ERROR no retry could ever start
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
