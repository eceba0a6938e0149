#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(max = 3, base_delay = "1ms")]
#[resile::hedge(delay = "20ms", max_requests = 2)]
#[resile::timeout("100ms")]
async fn fetch(id: u64) -> Result<u64, Error> {
    Ok(id)
}

fn assert_send<F: Send>(_: F) {}

fn main() {
    assert_send(fetch(1));
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(rt.block_on(fetch(3)).unwrap(), 3);
}
