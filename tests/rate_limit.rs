//! `#[rate_limit]` through the attribute, on tokio's paused clock: the burst, the refill to
//! the nanosecond, `retry_after` exact, `max_wait` inclusive, weights, a cancelled waiter's
//! tokens, events. (The limiter itself is tested without macros, against a reference model,
//! in `runtime/tests/rate_limit.rs`.)

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use resile::Rejection;
use resile::testing::Recorder;
use tokio::time::{Instant, advance};

#[derive(Debug, PartialEq)]
enum Error {
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

const fn ns(n: u64) -> Duration {
    Duration::from_nanos(n)
}

fn limited(name: &'static str, retry_after: Duration) -> Result<u32, Error> {
    Err(Error::Rejected(Rejection::RateLimited { name, retry_after }))
}

fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

#[resile::rate_limit(name = "attr-three", rate = 3)]
async fn three() -> Result<u32, Error> {
    Ok(1)
}

/// The bucket starts full (3), then refills one token every 1/3 s, each at the first whole
/// nanosecond at or after its exact instant; `retry_after` says exactly when.
#[tokio::test(start_paused = true)]
async fn burst_then_refill_exact_to_the_nanosecond() {
    for _ in 0..3 {
        assert_eq!(three().await, Ok(1));
    }
    assert_eq!(three().await, limited("attr-three", ns(333_333_334)));
    advance(ns(333_333_333)).await;
    assert_eq!(three().await, limited("attr-three", ns(1)));
    advance(ns(1)).await;
    assert_eq!(three().await, Ok(1));
    // The next token comes at 2/3 s: 666 666 667 ns is the first whole one.
    assert_eq!(three().await, limited("attr-three", ns(333_333_333)));
    advance(ns(333_333_333)).await;
    assert_eq!(three().await, Ok(1));
    // A long idle period refills to the burst, never beyond.
    advance(Duration::from_secs(3600)).await;
    assert_eq!(resile::rate_limiter("attr-three").stats().tokens, 3.0);
    for _ in 0..3 {
        assert_eq!(three().await, Ok(1));
    }
    let refused = three().await;
    assert_eq!(refused, limited("attr-three", ns(333_333_334)));
    let Err(Error::Rejected(rejection)) = refused else { unreachable!() };
    assert_eq!(rejection.retry_after(), Some(ns(333_333_334)));
}

#[resile::rate_limit(name = "attr-weighted", rate = 10, burst_size = 5, weight = 3)]
async fn heavy() -> Result<u32, Error> {
    Ok(3)
}

#[resile::rate_limit(name = "attr-weighted", rate = 10, burst_size = 5)]
async fn light() -> Result<u32, Error> {
    Ok(1)
}

/// Two sites share one bucket, each with its own weight.
#[tokio::test(start_paused = true)]
async fn weights_take_several_tokens_from_one_shared_bucket() {
    assert_eq!(heavy().await, Ok(3));
    assert_eq!(heavy().await, limited("attr-weighted", Duration::from_millis(100)));
    assert_eq!(light().await, Ok(1));
    assert_eq!(light().await, Ok(1));
    assert_eq!(light().await, limited("attr-weighted", Duration::from_millis(100)));
    assert_eq!(resile::rate_limiter("attr-weighted").stats().tokens, 0.0);
    advance(Duration::from_millis(300)).await;
    assert_eq!(heavy().await, Ok(3));
}

#[resile::rate_limit(name = "attr-wait", rate = 3, burst_size = 1, max_wait = "333333334ns")]
async fn patient() -> Result<u32, Error> {
    Ok(1)
}

#[resile::rate_limit(name = "attr-wait", rate = 3, burst_size = 1, max_wait = "333333333ns")]
async fn impatient() -> Result<u32, Error> {
    Ok(1)
}

/// `max_wait` is inclusive: a wait of exactly 333 333 334 ns is taken, one nanosecond more
/// than `max_wait` is refused at once, taking nothing.
#[tokio::test(start_paused = true)]
async fn max_wait_is_inclusive_and_exact() {
    assert_eq!(patient().await, Ok(1));
    let start = Instant::now();
    assert_eq!(impatient().await, limited("attr-wait", ns(333_333_334)));
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(patient().await, Ok(1));
    // tokio's timer wakes at the first whole millisecond at or after the instant.
    assert_eq!(start.elapsed(), Duration::from_millis(334));
}

#[resile::rate_limit(name = "attr-cancel", rate = 3, burst_size = 1, max_wait = "1s")]
async fn waiter() -> Result<u32, Error> {
    Ok(1)
}

#[resile::rate_limit(name = "attr-cancel", rate = 3, burst_size = 1)]
async fn at_once() -> Result<u32, Error> {
    Ok(1)
}

/// A waiting call that is dropped before its instant gives its tokens back (it was the last
/// to take tokens).
#[tokio::test(start_paused = true)]
async fn a_cancelled_waiter_gives_its_tokens_back() {
    assert_eq!(waiter().await, Ok(1));
    {
        let mut waiting = pin!(waiter());
        assert!(poll_once(waiting.as_mut()).is_pending());
        assert_eq!(at_once().await, limited("attr-cancel", ns(666_666_667)));
    }
    assert_eq!(at_once().await, limited("attr-cancel", ns(333_333_334)));
}

#[resile::rate_limit(name = "attr-events", rate = 1, max_wait = "1s")]
async fn observed() -> Result<u32, Error> {
    Ok(1)
}

#[resile::rate_limit(name = "attr-events", rate = 1)]
async fn observed_now() -> Result<u32, Error> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn waits_and_refusals_are_events() {
    let recorder = Recorder::new();
    recorder
        .record(async {
            assert_eq!(observed().await, Ok(1));
            assert_eq!(observed().await, Ok(1));
            assert_eq!(observed_now().await, limited("attr-events", Duration::from_secs(1)));
        })
        .await;
    let events: Vec<String> = recorder.events().iter().map(ToString::to_string).collect();
    assert_eq!(
        events,
        [
            "rate_limit_wait function=rate_limit::observed name=attr-events delay=1s",
            "rejected function=rate_limit::observed_now name=attr-events: rate limiter `attr-events` denied the call \
             (retry after 1s)",
        ]
    );
}

struct Api;

impl Api {
    #[resile::rate_limit(name = "attr-method", rate = 1)]
    async fn search(&self, q: u32) -> Result<u32, Error> {
        Ok(q)
    }
}

#[tokio::test(start_paused = true)]
async fn methods_are_limited_too() {
    assert_eq!(Api.search(2).await, Ok(2));
    assert_eq!(Api.search(2).await, limited("attr-method", Duration::from_secs(1)));
}
