#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(delay = "20ms")]
#[resile::hedge(max_requests = 3)] //~ ERROR duplicate `#[hedge]`: stacked `#[hedge]`s multiply their attempts
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
