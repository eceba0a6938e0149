#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::bulkhead(name = "pool", max_concurrent = 8, adaptive = "gradient")] //~ ERROR unknown adaptive `"gradient"`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
