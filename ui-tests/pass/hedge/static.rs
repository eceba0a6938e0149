#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge]
async fn bare() -> Result<u32, Error> {
    Ok(1)
}

#[resile::hedge(delay = "20ms", max_requests = 3, timeout = "1s", name = "static-search")]
async fn search(q: u64) -> Result<u64, Error> {
    Ok(q)
}

#[resile::hedge(delay = "0ms", max_requests = 1)]
async fn no_hedging() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(rt.block_on(bare()).unwrap(), 1);
    assert_eq!(rt.block_on(search(7)).unwrap(), 7);
    assert_eq!(rt.block_on(no_hedging()).unwrap(), 1);
}
