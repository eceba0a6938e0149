#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn log_hedge(_attempt: u32, _err: &Error) {}

#[resile::hedge(on_hedge = log_hedge)] //~ ERROR function is expected to take 1 argument, but it takes 2 arguments
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
