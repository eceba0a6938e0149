#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(delay = "20ms")]
async fn call(s: String) -> Result<u32, Error> {
    drop(s); //~ ERROR `#[hedge]` runs the body once per attempt, so it cannot move this `String` argument out
    Ok(1)
}

fn main() {}
