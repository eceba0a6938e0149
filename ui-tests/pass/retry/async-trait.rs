#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, id: u64) -> Result<String, Error>;
}

struct Db;

#[async_trait::async_trait]
impl Store for Db {
    #[resile::retry(max = 3)]
    #[resile::timeout("100ms")]
    async fn load(&self, id: u64) -> Result<String, Error> {
        Ok(format!("row {id}"))
    }
}

fn assert_send<F: Send>(_: F) {}

fn main() {
    assert_send(Db.load(1));
}
