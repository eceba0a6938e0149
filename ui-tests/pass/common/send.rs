#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn assert_send<F: Send>(_: F) {}

#[resile::retry(max = 3)]
#[resile::timeout("1s")]
async fn call(name: &str, n: u32) -> Result<usize, Error> {
    tokio::task::yield_now().await;
    Ok(name.len() + n as usize)
}

fn main() {
    assert_send(call("a", 1));
}
