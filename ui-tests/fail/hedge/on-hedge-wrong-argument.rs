#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn log_hedge(_attempt: usize) {}

#[resile::hedge(on_hedge = log_hedge)] //~ ERROR `on_hedge` must be `fn(u32)`; this fn is `fn(usize)`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
