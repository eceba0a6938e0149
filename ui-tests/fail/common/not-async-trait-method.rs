#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

trait Store {
    fn load(&self) -> Result<u32, Error>;
}

struct Db;

impl Store for Db {
    #[resile::retry]
    fn load(&self) -> Result<u32, Error> { //~ ERROR `#[retry]` applies to an `async fn`; the `async` keyword is missing
        Ok(1)
    }
}

fn main() {}
