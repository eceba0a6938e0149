//! Backoff at extreme inputs through `#[retry]`: exact attempt counts, exact delays handed to
//! `on_retry`, and exact elapsed virtual time (tokio's paused clock; each sleep ends on the
//! timer wheel's next millisecond, so a call's elapsed time is the sum of its sleeps, each
//! rounded up to a whole millisecond).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use resile::Rejection;
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum E {
    /// A failure of attempt `n`.
    Flaky(u32),
    Rejected(Rejection),
}
impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Counts an attempt and fails it with its number.
fn fail(calls: &AtomicU32) -> Result<(), E> {
    Err(E::Flaky(calls.fetch_add(1, SeqCst) + 1))
}

/// Delays handed to `on_retry`, per function (each test owns one slot).
static DELAYS: [Mutex<Vec<Duration>>; 3] = [const { Mutex::new(Vec::new()) }; 3];

fn record<const SLOT: usize>(_attempt: u32, delay: Duration, _e: &E) {
    DELAYS[SLOT].lock().unwrap().push(delay);
}

/// Runs `f` with a fresh counter: (result, attempts, elapsed virtual time, delays of `slot`).
async fn measure<F>(
    slot: usize,
    f: impl FnOnce(&'static AtomicU32) -> F,
) -> (Result<(), E>, u32, Duration, Vec<Duration>)
where
    F: Future<Output = Result<(), E>>,
{
    let calls: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
    DELAYS[slot].lock().unwrap().clear();
    let start = Instant::now();
    let r = f(calls).await;
    let elapsed = start.elapsed();
    (r, calls.load(SeqCst), elapsed, std::mem::take(&mut *DELAYS[slot].lock().unwrap()))
}

/// The example: zero times a factor that overflows f64 was NaN, then the cap (5 s).
#[resile::retry(max = 4, backoff = "exp", base_delay = "0ms", multiplier = 1e300, jitter = "none", on_retry = record::<0>)]
async fn zero_base_huge_multiplier(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[tokio::test(start_paused = true)]
async fn a_zero_base_with_multiplier_1e300_never_sleeps() {
    let (r, attempts, elapsed, delays) = measure(0, zero_base_huge_multiplier).await;
    assert_eq!((r, attempts), (Err(E::Flaky(4)), 4));
    assert_eq!(elapsed, Duration::ZERO);
    assert_eq!(delays, [Duration::ZERO; 3]);
}

/// The default multiplier 2 for 1100 attempts: 2^1024 overflows f64 from retry 1025 on.
#[resile::retry(max = 1100, base_delay = "1ms", max_delay = "1s", jitter = "none", on_retry = record::<1>)]
async fn default_multiplier_past_retry_1024(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[tokio::test(start_paused = true)]
async fn the_default_multiplier_plateaus_exactly_at_max_delay() {
    let (r, attempts, elapsed, delays) = measure(1, default_multiplier_past_retry_1024).await;
    assert_eq!((r, attempts), (Err(E::Flaky(1100)), 1100));
    // 1, 2, 4, …, 512 ms, then 1 s for each of the other 1089 retries.
    let expected: Vec<Duration> = (0..1099).map(|i| if i < 10 { ms(1 << i) } else { ms(1000) }).collect();
    assert_eq!(delays, expected);
    assert_eq!(elapsed, ms(1023) + Duration::from_secs(1089));
}

/// A multiplier of 1e300 from 1 ms: the cap from the second retry on.
#[resile::retry(max = 4, base_delay = "1ms", multiplier = 1e300, jitter = "none", on_retry = record::<2>)]
async fn huge_multiplier(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[tokio::test(start_paused = true)]
async fn a_multiplier_of_1e300_reaches_the_default_cap_at_once() {
    let (r, attempts, elapsed, delays) = measure(2, huge_multiplier).await;
    assert_eq!((r, attempts), (Err(E::Flaky(4)), 4));
    assert_eq!(delays, [ms(1), ms(5000), ms(5000)]);
    assert_eq!(elapsed, ms(10_001));
}
