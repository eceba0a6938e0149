#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn is_transient(_: Error) -> bool {
    true
}

#[resile::retry(retry_if = is_transient)] //~ ERROR must be `fn(&E) -> bool` where E is `Error`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
