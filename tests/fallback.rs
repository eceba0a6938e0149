//! `#[fallback]` through the attribute, on tokio's paused clock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use resile::Rejection;
use tokio::time::{Instant, sleep};

#[derive(Debug, PartialEq, Clone)]
enum Error {
    Down(u32),
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[resile::fallback(cached)]
async fn price(id: u64, currency: &str, fail: bool) -> Result<String, Error> {
    if fail { Err(Error::Down(id as u32)) } else { Ok(format!("live {id} {currency}")) }
}

async fn cached(id: u64, currency: &str, fail: bool, error: Error) -> Result<String, Error> {
    Ok(format!("cached {id} {currency} {fail} after {error:?}"))
}

#[tokio::test(start_paused = true)]
async fn called_only_on_err_with_the_same_arguments_and_the_error() {
    assert_eq!(price(1, "EUR", false).await.unwrap(), "live 1 EUR");
    assert_eq!(price(2, "USD", true).await.unwrap(), "cached 2 USD true after Down(2)");
}

/// The body moves `name` (an owned `String`); the fallback still gets it.
#[resile::fallback(by_name_cached)]
async fn by_name(name: String, id: u64) -> Result<usize, Error> {
    let owned: String = name;
    if owned.is_empty() { Ok(0) } else { Err(Error::Down(id as u32)) }
}

async fn by_name_cached(name: String, id: u64, error: Error) -> Result<usize, Error> {
    assert_eq!(error, Error::Down(id as u32));
    Ok(name.len() + id as usize)
}

#[tokio::test(start_paused = true)]
async fn owned_arguments_the_body_moves_reach_the_fallback() {
    assert_eq!(by_name(String::new(), 1).await, Ok(0));
    assert_eq!(by_name("abc".to_owned(), 10).await, Ok(13));
}

struct Service {
    calls: AtomicU32,
}

impl Service {
    #[resile::fallback(Self::stale)]
    #[resile::retry(max = 3, backoff = "constant", base_delay = "10ms", jitter = "none")]
    #[resile::timeout("50ms")]
    async fn fetch(&self, id: u64) -> Result<u64, Error> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        sleep(ms(100)).await; // every attempt times out
        Ok(id + u64::from(n))
    }

    async fn stale(&self, id: u64, error: Error) -> Result<u64, Error> {
        assert_eq!(error, Error::Rejected(Rejection::TimedOut { after: ms(50) }));
        Ok(id * 1000 + u64::from(self.calls.load(Ordering::SeqCst)))
    }
}

#[tokio::test(start_paused = true)]
async fn outermost_it_catches_the_last_error_of_a_retried_timeout_on_a_method() {
    let service = Service { calls: AtomicU32::new(0) };
    let start = Instant::now();
    // 3 attempts of 50 ms, 2 sleeps of 10 ms, then the fallback.
    assert_eq!(service.fetch(7).await, Ok(7003));
    assert_eq!(start.elapsed(), ms(170));
}
