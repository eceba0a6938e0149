#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::timeout("1s", allow = "retry_into_open_breaker")] //~ ERROR is reported on `#[retry]`, not on `#[timeout]`
#[resile::retry(max = 3, allow = "deprecated")] //~ ERROR unknown lint `deprecated` for `#[retry]`
#[resile::bulkhead(name = "pool", max_concurrent = 2, allow = "unused")] //~ ERROR `#[bulkhead]` reports no warnings
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
