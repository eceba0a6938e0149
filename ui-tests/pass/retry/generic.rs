#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

use std::fmt::Debug;

#[resile::retry(max = 2)]
#[resile::timeout("1s")]
async fn echo<T: Clone + Debug, E>(value: &T) -> Result<T, E>
where
    E: From<resile::Rejection>,
{
    Ok(value.clone())
}

fn main() {
    drop(echo::<u32, Error>(&1));
}
