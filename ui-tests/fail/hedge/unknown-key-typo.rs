#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(max_request = 3)] //~ ERROR unknown argument `max_request` for `#[hedge]`; did you mean `max_requests`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
