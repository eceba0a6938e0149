#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn log_retry(_attempt: u32, _err: &Error) {}

#[resile::retry(on_retry = log_retry)] //~ ERROR mismatched types: expected `fn(u32, Duration, &Error)`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
