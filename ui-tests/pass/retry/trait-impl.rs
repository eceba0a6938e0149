#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

trait Store {
    async fn load(&self, id: u64) -> Result<String, Error>;
}

struct Db;

impl Store for Db {
    #[resile::retry(max = 3)]
    #[resile::timeout("100ms")]
    async fn load(&self, id: u64) -> Result<String, Error> {
        Ok(format!("row {id}"))
    }
}

fn main() {
    drop(Db.load(1));
}
