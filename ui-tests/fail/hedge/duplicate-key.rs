#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(max_requests = 2, max_requests = 3)] //~ ERROR duplicate argument `max_requests`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
