#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::retry(
    max = 0,                  //~ ERROR `max` must be at least 1, found 0
    backoff = "exponentail",  //~ ERROR did you mean `"exponential"`?
    base_dely = "1s",         //~ ERROR did you mean `base_delay`?
    jitter = 1.5,             //~ ERROR `jitter` must be within 0.0..=1.0
    budget = "0ms",           //~ ERROR `budget` must be greater than zero
    retry_if = |e| true,      //~ ERROR not a closure
    max_delay = "5 secs",     //~ ERROR did you mean `s`?
)]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
