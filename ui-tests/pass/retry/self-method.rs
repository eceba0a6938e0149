#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

struct Client {
    base: u32,
}

impl Client {
    #[resile::retry(max = 3)]
    #[resile::timeout("1s")]
    async fn get(&self, id: u32) -> Result<u32, Error> {
        Ok(self.base + id)
    }
}

fn main() {
    let client = Client { base: 1 };
    drop(client.get(2));
}
