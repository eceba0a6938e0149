#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn is_transient(_: &'static Error) -> bool {
    true
}

#[resile::retry(retry_if = is_transient)] //~ ERROR expected fn pointer `for<'a> fn(&'a Error) -> bool`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
