#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(base_dely = "200ms")] //~ ERROR unknown argument `base_dely` for `#[retry]`; did you mean `base_delay`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
