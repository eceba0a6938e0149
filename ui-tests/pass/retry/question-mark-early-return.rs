#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn parse(s: &str) -> Result<u32, Error> {
    s.parse().map_err(|_| Error)
}

#[resile::retry(max = 3)]
async fn call(input: &str) -> Result<u32, Error> {
    if input.is_empty() {
        return Err(Error);
    }
    let n = parse(input)?;
    if n == 0 {
        return Ok(0);
    }
    Ok(n + 1)
}

fn main() {}
