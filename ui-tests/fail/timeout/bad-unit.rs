#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("1 sec")] //~ ERROR unknown unit `sec`; ... did you mean `s`?
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
