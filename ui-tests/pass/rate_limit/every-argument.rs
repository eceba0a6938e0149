#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::rate_limit(name = "api", rate = 33.3, burst_size = 50, weight = 2, max_wait = "1s")]
async fn call(x: &str) -> Result<usize, Error> {
    Ok(x.len())
}

struct Api;

impl Api {
    #[resile::rate_limit(name = "api", rate = 33.3, burst_size = 50)]
    async fn search(&self, q: u32) -> Result<u32, Error> {
        Ok(q)
    }
}

fn main() {
    let _ = call("x");
    let _ = Api.search(1);
}
