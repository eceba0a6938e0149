#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn is_transient(_: &Error) -> Option<bool> {
    Some(true)
}

#[resile::retry(retry_if = is_transient)] //~ ERROR `retry_if` must be `fn(&E) -> bool` where E is `Error`; this fn is `fn(&Error) -> Option<bool>`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
