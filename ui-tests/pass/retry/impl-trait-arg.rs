#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
async fn show(value: impl std::fmt::Display) -> Result<String, Error> {
    Ok(value.to_string())
}

fn main() {
    drop(show(7));
}
