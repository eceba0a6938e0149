#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn log_retry(_attempt: u32, _err: &Error) {}

#[resile::retry(on_retry = log_retry)] //~ ERROR function is expected to take 3 arguments, but it takes 2 arguments
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
