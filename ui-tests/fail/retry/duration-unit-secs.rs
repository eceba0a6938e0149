#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max_delay = "5secs")] //~ ERROR unknown unit `secs`; ... did you mean `s`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
