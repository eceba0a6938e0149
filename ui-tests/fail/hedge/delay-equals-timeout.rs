#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(delay = "100ms", timeout = "100ms")] //~ ERROR `delay` (100ms) must be shorter than `timeout` (100ms)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
