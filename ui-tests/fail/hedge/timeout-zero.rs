#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(timeout = "0ms")] //~ ERROR `timeout` must be greater than zero
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
