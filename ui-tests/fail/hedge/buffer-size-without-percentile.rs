#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(delay = "50ms", buffer_size = 500)] //~ ERROR `buffer_size` only applies to the adaptive mode
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
