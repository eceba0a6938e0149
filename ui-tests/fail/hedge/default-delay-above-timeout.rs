#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(timeout = "50ms")] //~ ERROR `delay` (100ms) must be shorter than `timeout` (50ms)
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
