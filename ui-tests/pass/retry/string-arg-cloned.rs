#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
async fn call(s: String) -> Result<usize, Error> {
    let owned = s.clone();
    drop(s.clone());
    Ok(owned.len() + s.len())
}

fn main() {}
