#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(delay = "50ms")]
#[resile::fallback(cached)] //~ ERROR `#[fallback]` below `#[hedge]`
async fn call() -> Result<u32, Error> {
    Ok(1)
}

async fn cached(_error: Error) -> Result<u32, Error> {
    Ok(0)
}

fn main() {}
