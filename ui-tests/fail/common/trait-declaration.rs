#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

trait Store {
    #[resile::retry]
    async fn load(&self) -> Result<u32, Error>; //~ ERROR `#[retry]` needs the body of `load`, and this declaration has none
}

fn main() {}
