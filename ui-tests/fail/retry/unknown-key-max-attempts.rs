#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max_atempts = 3)] //~ ERROR unknown argument `max_atempts` for `#[retry]`; did you mean `max`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
