use std::time::Duration;

use resile::{AsRejection, Rejection};

#[derive(Debug)]
enum Error {
    TooMany(Duration),
    Refused(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Refused(r)
    }
}

impl AsRejection for Error {
    fn as_rejection(&self) -> Option<&Rejection> {
        match self {
            Error::Refused(r) => Some(r),
            Error::TooMany(_) => None,
        }
    }
}

fn server_hint(e: &Error) -> Option<Duration> {
    match e {
        Error::TooMany(d) => Some(*d),
        Error::Refused(_) => Rejection::hint(e),
    }
}

#[resile::retry(retry_after = server_hint)]
async fn own_hint() -> Result<u32, Error> {
    Ok(1)
}

#[resile::retry(retry_after = resile::Rejection::hint)]
#[resile::rate_limit(name = "api", rate = 10)]
async fn ready_made() -> Result<u32, Error> {
    Ok(1)
}

#[resile::retry(retry_after = Rejection::hint)]
async fn bare_rejection() -> Result<u32, Rejection> {
    Ok(1)
}

fn main() {}
