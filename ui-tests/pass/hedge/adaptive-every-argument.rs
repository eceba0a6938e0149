#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

fn is_fatal(_: &Error) -> bool {
    false
}

fn log_hedge(_attempt: u32) {}

#[resile::hedge(
    percentile = 95.0,
    max_requests = 3,
    timeout = "2s",
    name = "adaptive-search",
    buffer_size = 500,
    min_samples = 20,
    initial_delay = "50ms",
    min_delay = "5ms",
    max_delay = "1s",
    token_max = 20,
    token_success_credit = 0.2,
    token_hedge_cost = 1.0,
    token_threshold = 2.0,
    fatal = is_fatal,
    on_hedge = log_hedge,
)]
async fn search(q: u64) -> Result<u64, Error> {
    Ok(q)
}

#[resile::hedge(percentile = 99.9)]
async fn percentile_only() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(rt.block_on(search(7)).unwrap(), 7);
    assert_eq!(rt.block_on(percentile_only()).unwrap(), 1);
}
