#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn is_fatal(_err: Error) -> bool {
    true
}

#[resile::hedge(fatal = is_fatal)] //~ ERROR must be `fn(&E) -> bool` where E is `Error`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
