//! Stacking order (SPEC §3): the first attribute listed is the outermost. `#[retry] #[timeout]`
//! times out each attempt; `#[timeout] #[retry]` bounds the whole retry loop, sleeps included.
//! Exact attempt counts and elapsed virtual time for both orders.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use resile::Rejection;
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum E {
    Flaky(u32),
    Fatal,
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

fn timed_out(n: u64) -> E {
    E::Rejected(Rejection::TimedOut { after: ms(n) })
}

/// (result, attempts started, elapsed virtual time)
async fn measure<T, F: Future<Output = Result<T, E>>>(
    f: impl FnOnce(&'static AtomicU32) -> F,
) -> (Result<T, E>, u32, Duration) {
    let calls: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
    let start = Instant::now();
    let r = f(calls).await;
    (r, calls.load(SeqCst), start.elapsed())
}

// ---- #[retry] outside: the timeout bounds each attempt ---------------------------------------

#[resile::retry(max = 3, backoff = "constant", base_delay = "100ms", jitter = "none")]
#[resile::timeout("50ms")]
async fn per_attempt(calls: &AtomicU32, latency: fn(u32) -> Duration) -> Result<u32, E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    tokio::time::sleep(latency(n)).await;
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn retry_outside_times_out_each_attempt() {
    // every attempt hits the 50 ms deadline: 3 × 50 + 2 × 100
    assert_eq!(measure(|c| per_attempt(c, |_| ms(1000))).await, (Err(timed_out(50)), 3, ms(350)));
    // two slow attempts, then a fast one: 50 + 100 + 50 + 100 + 10
    let slow_then_fast = |n| if n < 3 { ms(1000) } else { ms(10) };
    assert_eq!(measure(|c| per_attempt(c, slow_then_fast)).await, (Ok(3), 3, ms(310)));
    // a 49 ms attempt is under its own deadline
    assert_eq!(measure(|c| per_attempt(c, |_| ms(49))).await, (Ok(1), 1, ms(49)));
}

fn is_timeout(e: &E) -> bool {
    matches!(e, E::Rejected(Rejection::TimedOut { .. }))
}

#[resile::retry(max = 5, backoff = "exp", base_delay = "10ms", jitter = "none", retry_if = is_timeout)]
#[resile::timeout("30ms")]
async fn retry_only_timeouts(calls: &AtomicU32) -> Result<(), E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    if n < 3 {
        tokio::time::sleep(ms(1000)).await;
    }
    Err(E::Fatal)
}

#[tokio::test(start_paused = true)]
async fn retry_if_sees_the_inner_timeout_rejection() {
    // two timed-out attempts are retried (30 + 10 + 30 + 20), the fatal third is returned
    assert_eq!(measure(retry_only_timeouts).await, (Err(E::Fatal), 3, ms(90)));
}

// ---- #[timeout] outside: the timeout bounds the whole retry loop ------------------------------

#[resile::timeout("1s")]
#[resile::retry(max = 10, backoff = "constant", base_delay = "300ms", jitter = "none")]
async fn whole_loop_out_of_time(calls: &AtomicU32) -> Result<(), E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    tokio::time::sleep(ms(100)).await;
    Err(E::Flaky(n))
}

/// Records the virtual instant of every drop of an attempt's guard.
static DROPS: Mutex<Vec<(u32, Duration)>> = Mutex::new(Vec::new());
struct Guard(u32, Instant);
impl Drop for Guard {
    fn drop(&mut self) {
        DROPS.lock().unwrap().push((self.0, self.1.elapsed()));
    }
}

#[resile::timeout("1s")]
#[resile::retry(max = 10, backoff = "constant", base_delay = "100ms", jitter = "none")]
async fn whole_loop_cut_in_attempt(calls: &AtomicU32, t0: Instant) -> Result<(), E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    let _guard = Guard(n, t0);
    tokio::time::sleep(ms(300)).await;
    Err(E::Flaky(n))
}

#[resile::timeout("1s")]
#[resile::retry(max = 3, backoff = "constant", base_delay = "100ms", jitter = "none")]
async fn whole_loop_in_time(calls: &AtomicU32, ok_at: u32) -> Result<u32, E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    tokio::time::sleep(ms(100)).await;
    if n < ok_at { Err(E::Flaky(n)) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn timeout_outside_bounds_the_whole_loop() {
    // attempts at 0..100, 400..500, 800..900; a sleep until 1200 would cross the deadline
    // at 1000, so the retry returns the third error at 900 instead (SPEC §10)
    assert_eq!(measure(whole_loop_out_of_time).await, (Err(E::Flaky(3)), 3, ms(900)));
    // retries finish within the deadline: the retry's own result comes back
    assert_eq!(measure(|c| whole_loop_in_time(c, 3)).await, (Ok(3), 3, ms(500)));
    // retries exhausted within the deadline: the last error, not a timeout
    assert_eq!(measure(|c| whole_loop_in_time(c, 99)).await, (Err(E::Flaky(3)), 3, ms(500)));
}

#[tokio::test(start_paused = true)]
async fn timeout_outside_cuts_a_running_attempt_and_drops_it() {
    DROPS.lock().unwrap().clear();
    let t0 = Instant::now();
    // attempts at 0..300, 400..700, 800..(1100), cut at 1000 in the middle of the third
    assert_eq!(measure(|c| whole_loop_cut_in_attempt(c, t0)).await, (Err(timed_out(1000)), 3, ms(1000)));
    assert_eq!(*DROPS.lock().unwrap(), [(1, ms(300)), (2, ms(700)), (3, ms(1000))]);
}

// ---- both at once: an overall deadline around per-attempt deadlines --------------------------

#[resile::timeout("500ms")]
#[resile::retry(max = 10, backoff = "constant", base_delay = "100ms", jitter = "none")]
#[resile::timeout("120ms")]
async fn sandwich(calls: &AtomicU32) -> Result<(), E> {
    calls.fetch_add(1, SeqCst);
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn outer_deadline_around_retried_attempt_deadlines() {
    // attempts time out at 120, 340; the third runs 440..(560), cut by the outer 500 ms
    assert_eq!(measure(sandwich).await, (Err(timed_out(500)), 3, ms(500)));
}
