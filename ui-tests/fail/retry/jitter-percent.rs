#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(jitter = 25)] //~ ERROR `jitter` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.25`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
