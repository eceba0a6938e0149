#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

use std::fmt::Display;

#[resile::retry(max = 3)]
#[resile::timeout("1s")]
async fn show(n: u32) -> Result<impl Display, Error> {
    Ok(n * 2)
}

fn main() {}
