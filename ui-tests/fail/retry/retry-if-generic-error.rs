#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn is_transient(_: String) -> bool {
    true
}

#[resile::retry(retry_if = is_transient)] //~ ERROR `retry_if` must be `fn(&E) -> bool` where E is `E`; this fn is `fn(String) -> bool`
async fn call<E: std::fmt::Debug>() -> Result<u32, E> {
    Ok(1)
}

fn main() {}
