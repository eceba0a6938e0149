#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(delay = "20ms")]
async fn call(s: String) -> Result<String, Error> {
    let out = Ok(s); //~ ERROR `#[hedge]` runs the body once per attempt, so it cannot move this `String` argument out
    out
}

fn main() {}
