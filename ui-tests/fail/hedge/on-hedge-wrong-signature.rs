#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn log_hedge(_attempt: u32, _err: &Error) {}

#[resile::hedge(on_hedge = log_hedge)] //~ ERROR mismatched types: expected `fn(u32)`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
