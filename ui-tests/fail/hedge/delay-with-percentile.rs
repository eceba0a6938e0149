#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(percentile = 95.0, delay = "50ms")] //~ ERROR `delay` is the static delay, but `percentile` makes the delay adaptive
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
