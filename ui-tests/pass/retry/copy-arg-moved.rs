#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn consume(n: u32) -> u32 {
    n + 1
}

#[resile::retry(max = 3)]
async fn call(n: u32) -> Result<u32, Error> {
    let x = n;
    Ok(consume(n) + x)
}

fn main() {}
