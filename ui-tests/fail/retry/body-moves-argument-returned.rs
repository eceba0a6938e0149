#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3)]
async fn call(s: String) -> Result<String, Error> {
    Ok(s) //~ ERROR `#[retry]` runs the body once per attempt, so it cannot move this `String` argument out
}

fn main() {}
