// A named injector with the error to inject, a method, and a stack around it.
#[derive(Debug)]
enum Error {
    Injected(u64),
    Rejected(resile::Rejection),
}

impl From<resile::Rejection> for Error {
    fn from(r: resile::Rejection) -> Self {
        Error::Rejected(r)
    }
}

struct Client;

impl Client {
    #[resile::retry(max = 3)]
    #[resile::timeout("1s")]
    #[resile::chaos(name = "pass-chaos", error_rate = 0.1, hang_rate = 0.01, latency = "20ms", latency_rate = 0.5, seed = 7, error = Error::Injected(id))]
    async fn get(&self, id: u64) -> Result<u64, Error> {
        Ok(id)
    }
}

#[resile::chaos(name = "pass-chaos", error = Error::Injected(0))]
async fn referenced() -> Result<u64, Error> {
    Ok(1)
}

fn main() {
    let _ = Client.get(1);
    let _ = referenced();
}
