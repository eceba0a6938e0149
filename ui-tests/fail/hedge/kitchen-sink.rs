#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::hedge(
    percentile = 100.0,         //~ ERROR `percentile` must be within 0 < p < 100
    max_request = 3,            //~ ERROR did you mean `max_requests`?
    timeout = "0ms",            //~ ERROR `timeout` must be greater than zero
    token_max = 0,              //~ ERROR `token_max` must be greater than 0
    fatal = |e| true,           //~ ERROR not a closure
    name = "",                  //~ ERROR `name` must not be empty
    min_samples = 20,           //~ ERROR `min_samples` only applies to the adaptive mode
    token_threshold = 20.0,     //~ ERROR `token_threshold` (20) exceeds `token_max` (10)
)]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
