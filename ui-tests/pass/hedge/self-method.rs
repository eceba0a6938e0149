#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

struct Client {
    base: u64,
}

impl Client {
    #[resile::hedge(delay = "20ms")]
    async fn get(&self, id: u64) -> Result<u64, Error> {
        Ok(self.base + id)
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let c = Client { base: 10 };
    assert_eq!(rt.block_on(c.get(1)).unwrap(), 11);
}
