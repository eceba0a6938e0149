#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
async fn call(s: String) -> Result<usize, Error> {
    let bytes = s.into_bytes(); //~ ERROR `#[retry]` runs the body once per attempt, so it cannot move this `String` argument out
    Ok(bytes.len())
}

fn main() {}
