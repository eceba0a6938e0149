//! `#[hedge]` through the attribute, on tokio's paused clock: the expansion reaches the
//! runtime with the configured delay, attempts, timeout, hooks and shared name.
//! (The policy itself is tested without macros in `runtime/tests/hedge.rs`.)

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use resile::Rejection;
use tokio::time::{Instant, sleep};

#[derive(Debug, PartialEq)]
enum Error {
    Failed(u32),
    Fatal,
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

#[resile::hedge(delay = "50ms", max_requests = 3)]
async fn three_replicas(latencies: &[Duration; 3], next: &AtomicUsize) -> Result<usize, Error> {
    let replica = next.fetch_add(1, Ordering::SeqCst);
    sleep(latencies[replica]).await;
    Ok(replica)
}

#[tokio::test(start_paused = true)]
async fn static_delay_starts_attempts_and_first_ok_wins() {
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    // attempt 1 at 0 (takes 1 s), attempt 2 at 50 ms (takes 1 s), attempt 3 at 100 ms (20 ms)
    assert_eq!(three_replicas(&[ms(1000), ms(1000), ms(20)], &next).await, Ok(2));
    assert_eq!(start.elapsed(), ms(120));
    assert_eq!(next.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn fast_primary_is_not_hedged() {
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    assert_eq!(three_replicas(&[ms(10), ms(10), ms(10)], &next).await, Ok(0));
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(next.load(Ordering::SeqCst), 1);
}

fn is_fatal(e: &Error) -> bool {
    *e == Error::Fatal
}

static HEDGES: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn record_hedge(attempt: u32) {
    HEDGES.lock().unwrap().push(attempt);
}

#[resile::hedge(delay = "100ms", max_requests = 3, timeout = "250ms", fatal = is_fatal, on_hedge = record_hedge, name = "attr-hedge")]
async fn guarded(outcomes: &[(u64, Result<u32, Error>)], next: &AtomicU32) -> Result<u32, Error> {
    let i = next.fetch_add(1, Ordering::SeqCst);
    let (latency, outcome) = &outcomes[i as usize];
    sleep(ms(*latency)).await;
    match outcome {
        Ok(v) => Ok(*v),
        Err(Error::Failed(n)) => Err(Error::Failed(*n)),
        Err(_) => Err(Error::Fatal),
    }
}

#[tokio::test(start_paused = true)]
async fn errors_fatal_timeout_hooks_and_shared_stats() {
    HEDGES.lock().unwrap().clear();
    // a non-fatal error at 10 ms starts attempt 2 at once; it succeeds 30 ms later
    let start = Instant::now();
    let next = AtomicU32::new(0);
    let r = guarded(&[(10, Err(Error::Failed(1))), (30, Ok(7)), (0, Ok(0))], &next).await;
    assert_eq!((r, start.elapsed()), (Ok(7), ms(40)));
    assert_eq!(*HEDGES.lock().unwrap(), [2]);

    // a fatal error ends the call at once, with no further attempt
    let next = AtomicU32::new(0);
    let r = guarded(&[(10, Err(Error::Fatal)), (0, Ok(1)), (0, Ok(2))], &next).await;
    assert_eq!((r, next.load(Ordering::SeqCst)), (Err(Error::Fatal), 1));

    // every attempt slow: the deadline rejects after 250 ms, all three attempts started
    let start = Instant::now();
    let next = AtomicU32::new(0);
    let r = guarded(&[(1000, Ok(1)), (1000, Ok(2)), (1000, Ok(3))], &next).await;
    assert_eq!(r, Err(Error::Rejected(Rejection::TimedOut { after: ms(250) })));
    assert_eq!((start.elapsed(), next.load(Ordering::SeqCst)), (ms(250), 3));

    let stats = resile::hedge_tracker("attr-hedge").stats();
    assert_eq!(stats.total_requests, 3);
    assert!(stats.hedged_requests >= 3, "{stats:?}");
}

static ADAPTIVE_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

#[resile::hedge(percentile = 90.0, min_samples = 5, initial_delay = "40ms", min_delay = "1ms", max_delay = "1s")]
async fn adaptive(latency: Duration) -> Result<(), Error> {
    ADAPTIVE_ATTEMPTS.fetch_add(1, Ordering::SeqCst);
    sleep(latency).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn adaptive_mode_uses_initial_delay_then_the_percentile() {
    // before `min_samples`, the delay is `initial_delay` (40 ms): a 30 ms call is not hedged
    let before = ADAPTIVE_ATTEMPTS.load(Ordering::SeqCst);
    adaptive(ms(30)).await.unwrap();
    assert_eq!(ADAPTIVE_ATTEMPTS.load(Ordering::SeqCst) - before, 1);
    // the delay is recomputed every 64 samples (see `HedgeTracker`): after 70 calls of 10 ms
    // the p90 delay is about 10 ms, so a 30 ms call is hedged
    for _ in 0..70 {
        adaptive(ms(10)).await.unwrap();
    }
    let before = ADAPTIVE_ATTEMPTS.load(Ordering::SeqCst);
    let start = Instant::now();
    adaptive(ms(30)).await.unwrap();
    assert_eq!(ADAPTIVE_ATTEMPTS.load(Ordering::SeqCst) - before, 2);
    assert_eq!(start.elapsed(), ms(30));
}

#[resile::hedge(delay = "60ms", name = "hedge-test-static-shared")]
async fn static_shared(attempts: &AtomicU32) -> Result<u32, Error> {
    let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
    if attempt == 1 {
        sleep(ms(1000)).await; // the first attempt is stuck
    }
    Ok(attempt)
}

#[tokio::test(start_paused = true)]
async fn a_site_that_refers_to_a_tracker_creates_it_with_its_own_delay() {
    let start = Instant::now();
    assert_eq!(static_shared(&AtomicU32::new(0)).await, Ok(2));
    assert_eq!(start.elapsed(), ms(60), "the hedge fired at the site's delay and won at once");
    let tracker = resile::hedge_tracker("hedge-test-static-shared");
    assert_eq!(tracker.stats().current_delay, ms(60));
    assert_eq!(tracker.config().map(|c| c.delay), Some(ms(60)));
    assert_eq!(tracker.source(), Some(resile::registry::Source::Default), "it declared no tracker key");
    assert_eq!(tracker.stats().hedge_won, 1);
}
