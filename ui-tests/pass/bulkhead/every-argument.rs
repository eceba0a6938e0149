#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 8, max_wait = "250ms", weight = 2)]
async fn call(x: &str) -> Result<usize, Error> {
    Ok(x.len())
}

struct Pool;

impl Pool {
    #[resile::bulkhead(name = "pool", max_concurrent = 8)]
    async fn get(&mut self, id: u32) -> Result<u32, Error> {
        Ok(id)
    }
}

fn main() {
    let _ = call("x");
    let _ = Pool.get(1);
}
