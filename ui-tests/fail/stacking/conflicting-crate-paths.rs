#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(crate = "resile")]
#[resile::timeout(crate = "::resile", after = "1s")] //~ ERROR conflicting `crate` paths on one function
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
