#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(fatal = |e| true)] //~ ERROR `fatal` takes a path to a function, not a closure
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
