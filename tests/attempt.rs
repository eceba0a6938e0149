//! `resile::attempt()`: which attempt the running body belongs to, in a retry (1, 2, 3), in a
//! hedge (attempts 1 and 2 polled in turn in one task, each seeing its own number across its
//! awaits), in nested guarded calls (the highest of the enclosing attempts' numbers), and
//! outside any (1).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use resile::Rejection;
use tokio::time::sleep;

#[derive(Debug, Clone, PartialEq)]
enum E {
    Down(u32),
    Refused(Rejection),
}
impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Refused(r)
    }
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[derive(Debug, Default)]
struct Log(Mutex<Vec<(&'static str, u32)>>);
impl Log {
    fn note(&self, what: &'static str) {
        self.0.lock().unwrap().push((what, resile::attempt()));
    }
    fn get(&self) -> Vec<(&'static str, u32)> {
        self.0.lock().unwrap().clone()
    }
}

#[resile::retry(max = 3, base_delay = "10ms", jitter = "none")]
async fn retried(log: &Log) -> Result<u32, E> {
    log.note("start");
    sleep(ms(1)).await;
    log.note("after an await");
    let n = resile::attempt();
    if n < 3 { Err(E::Down(n)) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn a_retried_body_sees_1_2_3() {
    let log = Log::default();
    assert_eq!(resile::attempt(), 1, "outside any attempt");
    assert_eq!(retried(&log).await, Ok(3));
    assert_eq!(
        log.get(),
        [("start", 1), ("after an await", 1), ("start", 2), ("after an await", 2), ("start", 3), ("after an await", 3)]
    );
    assert_eq!(resile::attempt(), 1, "put back after the call");
}

#[resile::hedge(delay = "10ms", max_requests = 2)]
async fn hedged(log: &Log) -> Result<u32, E> {
    log.note("start");
    // The first attempt is slow, the hedge fast: both are pending together in this task.
    let n = resile::attempt();
    sleep(if n == 1 { ms(100) } else { ms(20) }).await;
    log.note("end");
    Ok(resile::attempt())
}

#[tokio::test(start_paused = true)]
async fn hedged_attempts_see_their_own_numbers_concurrently() {
    let log = Log::default();
    assert_eq!(hedged(&log).await, Ok(2), "the hedge wins, and says so");
    assert_eq!(log.get(), [("start", 1), ("start", 2), ("end", 2)]);
}

#[resile::hedge(delay = "10ms", max_requests = 2)]
async fn hedged_both_finish(log: &Log) -> Result<u32, E> {
    let n = resile::attempt();
    log.note("start");
    sleep(ms(30)).await;
    log.note("end");
    // Both fail, attempt 1 first (at 30 ms), attempt 2 at 40 ms.
    Err(E::Down(n))
}

#[tokio::test(start_paused = true)]
async fn interleaved_polls_of_two_attempts_keep_their_numbers() {
    let log = Log::default();
    assert_eq!(hedged_both_finish(&log).await, Err(E::Down(2)));
    assert_eq!(log.get(), [("start", 1), ("start", 2), ("end", 1), ("end", 2)]);
}

/// Fails every other call: its first attempt, then succeeds on its second.
static INNER_CALLS: AtomicU32 = AtomicU32::new(0);

#[resile::retry(max = 2, base_delay = "1ms", jitter = "none")]
async fn inner_retried(log: &Log) -> Result<u32, E> {
    log.note("inner");
    let n = INNER_CALLS.fetch_add(1, SeqCst);
    if n.is_multiple_of(2) { Err(E::Down(n)) } else { Ok(n) }
}

#[resile::timeout("1s")]
async fn inner_timed(log: &Log) -> Result<(), E> {
    log.note("timed");
    Ok(())
}

fn helper(log: &Log) {
    log.note("helper");
}

#[resile::retry(max = 2, base_delay = "1ms", jitter = "none")]
async fn outer(log: &Log) -> Result<u32, E> {
    log.note("outer");
    helper(log);
    inner_timed(log).await?;
    let inner = inner_retried(log).await?;
    log.note("outer again");
    if resile::attempt() < 2 { Err(E::Down(inner)) } else { Ok(inner) }
}

#[tokio::test(start_paused = true)]
async fn a_nested_retry_reads_the_highest_enclosing_number_and_gives_the_outer_one_back() {
    let log = Log::default();
    assert_eq!(outer(&log).await, Ok(3));
    let attempt = |outer_n: u32| {
        [
            ("outer", outer_n),
            ("helper", outer_n),
            ("timed", outer_n),
            // Its own 1 and 2 inside the outer first attempt; inside the outer second, 2 and 2.
            ("inner", outer_n.max(1)),
            ("inner", outer_n.max(2)),
            ("outer again", outer_n),
        ]
    };
    assert_eq!(log.get(), [attempt(1), attempt(2)].concat());
}

#[resile::retry(max = 2, base_delay = "1ms", jitter = "none")]
#[resile::hedge(delay = "10ms", max_requests = 2)]
async fn retry_over_hedge(log: &Log) -> Result<u32, E> {
    log.note("body");
    Err(E::Down(resile::attempt()))
}

#[tokio::test(start_paused = true)]
async fn under_a_retry_and_a_hedge_the_highest_number_counts() {
    let log = Log::default();
    // Each retry attempt runs a hedge whose attempts fail at once: the hedge's numbers, 1 and
    // 2, in the retry's first attempt; 2 and 2 in its second.
    assert_eq!(retry_over_hedge(&log).await, Err(E::Down(2)));
    assert_eq!(log.get(), [("body", 1), ("body", 2), ("body", 2), ("body", 2)]);
}

#[resile::hedge(delay = "10ms", max_requests = 2)]
#[resile::retry(max = 2, base_delay = "1ms", jitter = "none")]
#[resile::timeout("1s")]
async fn hedge_over_retry_over_timeout(log: &Log) -> Result<u32, E> {
    log.note("body");
    Err(E::Down(resile::attempt()))
}

#[tokio::test(start_paused = true)]
async fn under_a_hedge_a_retry_and_a_timeout_too() {
    let log = Log::default();
    // The hedge's first attempt runs the retry (1, then 2 after 1 ms); its second starts at
    // once after the first fails (at 1 ms) and runs the retry again (2, 2).
    assert_eq!(hedge_over_retry_over_timeout(&log).await, Err(E::Down(2)));
    assert_eq!(log.get(), [("body", 1), ("body", 2), ("body", 2), ("body", 2)]);
}

#[resile::retry(max = 2, base_delay = "1ms", jitter = "none")]
async fn spawns(log: &'static Log) -> Result<u32, E> {
    let n = resile::attempt();
    let spawned = tokio::spawn(async move { log.note("spawned") });
    spawned.await.unwrap();
    if n < 2 { Err(E::Down(n)) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn a_spawned_future_is_outside_the_attempt() {
    let log: &'static Log = Box::leak(Box::default());
    assert_eq!(spawns(log).await, Ok(2));
    assert_eq!(log.get(), [("spawned", 1), ("spawned", 1)]);
}
