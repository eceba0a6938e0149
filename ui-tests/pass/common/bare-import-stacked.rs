#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

// Currently warns "unused import: `timeout`": the leading `#[retry]` removes the
// `#[timeout]` below it before rustc resolves it, so rustc never sees the import used.
use resile::{retry, timeout};

#[retry]
#[timeout("1s")]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
