//! `resile::timeline::capture` through the attributes, on tokio's paused clock: every
//! offset and duration below is exact.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use resile::Rejection;
use resile::timeline::{self, AttemptOutcome, Entry, GaveUp, HedgeAction, Timeline, What};
use tokio::time::sleep;

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Down,
    Rejected(Rejection),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The attempts as `(start ms, took ms, number, outcome)`.
fn attempts(t: &Timeline) -> Vec<(u128, u128, u32, AttemptOutcome)> {
    t.attempts().map(|(at, a)| (at.as_millis(), a.took.as_millis(), a.attempt, a.outcome)).collect()
}

/// Every entry as `(start ms, what)`, the table's rows as text.
fn rows(t: &Timeline) -> Vec<(u128, String)> {
    t.entries().iter().map(|e| (e.at.as_millis(), e.what.to_string())).collect()
}

#[resile::retry(max = 3, backoff = "exp", base_delay = "50ms", jitter = "none")]
async fn flaky(calls: &AtomicU32) -> Result<u32, Error> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    sleep(ms(10 * u64::from(n))).await;
    if n < 3 { Err(Error::Down) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn a_retried_call_shows_each_attempt_and_each_delay() {
    let calls = AtomicU32::new(0);
    let (result, t) = timeline::capture(flaky(&calls)).await;
    assert_eq!(result, Ok(3));
    // attempt 1: 0..10 ms, sleep 50; attempt 2: 60..80, sleep 100; attempt 3: 180..210
    assert_eq!(
        attempts(&t),
        [
            (0, 10, 1, AttemptOutcome::Failure),
            (60, 20, 2, AttemptOutcome::Failure),
            (180, 30, 3, AttemptOutcome::Success)
        ]
    );
    let delays: Vec<_> = t
        .entries()
        .iter()
        .filter_map(|e| match e.what {
            What::Retry { attempt, delay } => Some((e.at, attempt, delay)),
            _ => None,
        })
        .collect();
    assert_eq!(delays, [(ms(10), 1, ms(50)), (ms(80), 2, ms(100))]);
    assert!(t.entries().iter().all(|e| e.call == 1 && e.function == "timeline::flaky"));
    assert_eq!((t.dropped(), t.limit(), t.took()), (0, 32, ms(210)));
    let table = t.to_string();
    assert!(table.starts_with("timeline: 5 entries\n"), "{table}");
    assert!(table.contains("retry after attempt 1: sleep 50ms"), "{table}");
    assert!(table.contains("attempt 3: success"), "{table}");
}

#[resile::retry(max = 2, backoff = "constant", base_delay = "5ms", jitter = "none")]
async fn always_down() -> Result<(), Error> {
    sleep(ms(1)).await;
    Err(Error::Down)
}

#[tokio::test(start_paused = true)]
async fn a_retry_that_gives_up_says_why() {
    let (result, t) = timeline::capture(always_down()).await;
    assert_eq!(result, Err(Error::Down));
    assert_eq!(attempts(&t), [(0, 1, 1, AttemptOutcome::Failure), (6, 1, 2, AttemptOutcome::Failure)]);
    let last = t.entries().last().unwrap();
    assert_eq!((last.at, last.what), (ms(7), What::GaveUp { attempt: 2, why: GaveUp::Exhausted }));
}

#[resile::hedge(delay = "50ms", max_requests = 3)]
async fn replicas(latencies: &[u64; 3], next: &AtomicU32) -> Result<u32, Error> {
    let replica = next.fetch_add(1, Ordering::SeqCst);
    sleep(ms(latencies[replica as usize])).await;
    Ok(replica + 1)
}

#[tokio::test(start_paused = true)]
async fn a_hedged_call_shows_when_hedges_fired_which_won_and_the_losers_cancelled() {
    let next = AtomicU32::new(0);
    // attempt 1 at 0 (would take 1 s), attempt 2 at 50 ms (1 s), attempt 3 at 100 ms (20 ms)
    let (result, t) = timeline::capture(replicas(&[1000, 1000, 20], &next)).await;
    assert_eq!(result, Ok(3));
    assert_eq!(
        attempts(&t),
        [
            (0, 120, 1, AttemptOutcome::Cancelled),
            (50, 70, 2, AttemptOutcome::Cancelled),
            (100, 20, 3, AttemptOutcome::Success)
        ]
    );
    let hedges: Vec<_> = t
        .entries()
        .iter()
        .filter_map(|e| match e.what {
            What::Hedge { attempt, action, .. } => Some((e.at.as_millis(), attempt, action)),
            _ => None,
        })
        .collect();
    assert_eq!(hedges, [(50, 2, HedgeAction::Fired), (100, 3, HedgeAction::Fired), (120, 3, HedgeAction::Won)]);
}

#[tokio::test(start_paused = true)]
async fn a_hedged_call_won_by_its_first_attempt_cancels_the_hedge() {
    let next = AtomicU32::new(0);
    // attempt 1 takes 70 ms, the hedge at 50 ms would take 1 s
    let (result, t) = timeline::capture(replicas(&[70, 1000, 1000], &next)).await;
    assert_eq!(result, Ok(1));
    assert_eq!(attempts(&t), [(0, 70, 1, AttemptOutcome::Success), (50, 20, 2, AttemptOutcome::Cancelled)]);
}

#[resile::retry(max = 2, backoff = "constant", base_delay = "10ms", jitter = "none", allow = "retry_into_open_breaker")]
#[resile::circuit_breaker(name = "timeline-open")]
async fn behind_a_breaker() -> Result<(), Error> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_rejection_names_the_policy_and_the_reason() {
    resile::circuit_breaker("timeline-open").force_open();
    let (result, t) = timeline::capture(behind_a_breaker()).await;
    assert_eq!(result, Err(Error::Rejected(Rejection::CircuitOpen { name: "timeline-open" })));
    assert_eq!(attempts(&t), [(0, 0, 1, AttemptOutcome::Rejected), (10, 0, 2, AttemptOutcome::Rejected)]);
    let rejected: Vec<_> = t
        .entries()
        .iter()
        .filter_map(|e| match e.what {
            What::Rejected { policy, name, rejection } => Some((e.at, policy, name, rejection)),
            _ => None,
        })
        .collect();
    let open = Rejection::CircuitOpen { name: "timeline-open" };
    assert_eq!(
        rejected,
        [
            (ms(0), "circuit_breaker", Some("timeline-open"), open),
            (ms(10), "circuit_breaker", Some("timeline-open"), open)
        ]
    );
    resile::circuit_breaker("timeline-open").reset();
}

#[resile::rate_limit(name = "timeline-rate", rate = 3.0, burst_size = 1)]
async fn limited() -> Result<(), Error> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_call_shows_its_retry_after() {
    let ((first, second), t) = timeline::capture(async { (limited().await, limited().await) }).await;
    assert_eq!(first, Ok(()));
    let after = Duration::from_nanos(333_333_334);
    assert_eq!(second, Err(Error::Rejected(Rejection::RateLimited { name: "timeline-rate", retry_after: after })));
    // A lone admission keeps no per-call record: only its rejection, as the capture's second call.
    let [entry] = t.entries() else { panic!("one entry: {t}") };
    assert_eq!(
        (entry.at, entry.call, entry.what),
        (
            Duration::ZERO,
            1,
            What::Rejected {
                policy: "rate_limit",
                name: Some("timeline-rate"),
                rejection: Rejection::RateLimited { name: "timeline-rate", retry_after: after }
            }
        )
    );
    assert!(t.to_string().contains("(retry after 333.333334ms)"), "{t}");
}

#[resile::retry(max = 2, backoff = "constant", base_delay = "10ms", jitter = "none")]
#[resile::timeout("100ms")]
async fn too_slow(first: u64) -> Result<(), Error> {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let n = CALLS.fetch_add(1, Ordering::SeqCst);
    sleep(ms(if n == 0 { first } else { 5 })).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_attempt_is_rejected_at_the_deadline() {
    let (result, t) = timeline::capture(too_slow(1000)).await;
    assert_eq!(result, Ok(()));
    assert_eq!(attempts(&t), [(0, 100, 1, AttemptOutcome::Rejected), (110, 5, 2, AttemptOutcome::Success)]);
    assert_eq!(
        rows(&t),
        [
            (0, "attempt 1: rejected".to_owned()),
            (100, "rejected by timeout: timed out after 100ms".to_owned()),
            (100, "retry after attempt 1: sleep 10ms".to_owned()),
            (110, "attempt 2: success".to_owned()),
        ]
    );
}

#[resile::timeout("100ms")]
async fn lone_timeout() -> Result<(), Error> {
    sleep(ms(1000)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_lone_timeout_records_its_rejection() {
    let (result, t) = timeline::capture(lone_timeout()).await;
    assert_eq!(result, Err(Error::Rejected(Rejection::TimedOut { after: ms(100) })));
    assert_eq!(rows(&t), [(100, "rejected by timeout: timed out after 100ms".to_owned())]);
}

#[resile::retry(max = 10, backoff = "constant", base_delay = "1ms", jitter = "none")]
async fn ten_failures() -> Result<(), Error> {
    Err(Error::Down)
}

#[tokio::test(start_paused = true)]
async fn entries_past_the_limit_are_counted_not_kept() {
    // 10 attempts, 9 retries, 1 "gave up": 20 entries
    let (_, all) = timeline::capture(ten_failures()).await;
    assert_eq!((all.len(), all.dropped()), (20, 0));
    let (_, capped) = timeline::capture_with(5, ten_failures()).await;
    assert_eq!((capped.len(), capped.dropped(), capped.limit()), (5, 15, 5));
    assert_eq!(capped.entries(), &all.entries()[..5]);
    assert!(capped.to_string().starts_with("timeline: 5 entries (15 more dropped past the limit of 5)"), "{capped}");
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_call_ends_its_attempt_cancelled() {
    let calls = AtomicU32::new(0);
    let ((), t) = timeline::capture(async {
        let _ = tokio::time::timeout(ms(5), flaky(&calls)).await;
    })
    .await;
    assert_eq!(attempts(&t), [(0, 5, 1, AttemptOutcome::Cancelled)]);
}

#[tokio::test(start_paused = true)]
async fn nested_captures_keep_their_own_calls() {
    let calls = AtomicU32::new(0);
    let ((inner, outer_result), outer) = timeline::capture(async {
        let (_, inner) = timeline::capture(always_down()).await;
        (inner, flaky(&calls).await)
    })
    .await;
    assert_eq!(outer_result, Ok(3));
    let functions = |t: &Timeline| t.entries().iter().map(|e: &Entry| e.function.to_string()).collect::<Vec<_>>();
    assert!(functions(&inner).iter().all(|f| f == "timeline::always_down"), "{inner}");
    assert!(functions(&outer).iter().all(|f| f == "timeline::flaky"), "{outer}");
    assert_eq!(attempts(&inner).len(), 2);
    // The outer capture started 7 ms before its call (the inner capture ran first).
    assert_eq!(attempts(&outer)[0], (7, 10, 1, AttemptOutcome::Failure));
}

#[tokio::test(start_paused = true)]
async fn captures_in_two_tasks_are_kept_apart() {
    let a = tokio::spawn(timeline::capture(always_down()));
    let b = tokio::spawn(timeline::capture(async {
        let calls = AtomicU32::new(0);
        flaky(&calls).await
    }));
    let ((_, a), (_, b)) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(attempts(&a).len(), 2);
    assert_eq!(attempts(&b).len(), 3);
    assert!(a.entries().iter().all(|e| e.function == "timeline::always_down"), "{a}");
    assert!(b.entries().iter().all(|e| e.function == "timeline::flaky"), "{b}");
}

#[tokio::test(start_paused = true)]
async fn two_calls_in_one_capture_are_numbered() {
    let calls = AtomicU32::new(0);
    let (_, t) = timeline::capture(async {
        let _ = tokio::join!(always_down(), flaky(&calls));
    })
    .await;
    let first: Vec<_> = t.entries().iter().filter(|e| e.call == 1).map(|e| e.function.to_string()).collect();
    let second: Vec<_> = t.entries().iter().filter(|e| e.call == 2).map(|e| e.function.to_string()).collect();
    assert!(!first.is_empty() && first.iter().all(|f| f == "timeline::always_down"), "{t}");
    assert!(!second.is_empty() && second.iter().all(|f| f == "timeline::flaky"), "{t}");
    // Ordered by start: both first attempts at 0.
    assert_eq!(t.entries()[0].at, Duration::ZERO);
    assert_eq!(t.entries()[1].at, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn outside_a_capture_nothing_is_recorded() {
    let calls = AtomicU32::new(0);
    assert_eq!(flaky(&calls).await, Ok(3));
    let ((), t) = timeline::capture(async {}).await;
    assert!(t.is_empty());
    assert_eq!(t.to_string(), "timeline: 0 entries\n       at      took  call  function  what");
}

#[tokio::test(start_paused = true)]
async fn the_table_shows_one_row_per_entry() {
    let (_, t) = timeline::capture(too_slow_once()).await;
    assert_eq!(
        t.to_string(),
        "timeline: 4 entries
       at      took  call  function                 what
      0ns     100ms     1  timeline::too_slow_once  attempt 1: rejected
    100ms               1  timeline::too_slow_once  rejected by timeout: timed out after 100ms
    100ms      50ms     1  timeline::too_slow_once  retry after attempt 1: sleep 50ms
    150ms       0ns     1  timeline::too_slow_once  attempt 2: success"
    );
}

#[resile::retry(max = 3, base_delay = "50ms", jitter = "none")]
#[resile::timeout("100ms")]
async fn too_slow_once() -> Result<(), Error> {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    if CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
        sleep(ms(1000)).await;
    }
    Ok(())
}

#[resile::hedge(delay = "50ms", max_requests = 2, timeout = "200ms")]
async fn hanging_replicas() -> Result<(), Error> {
    sleep(ms(1000)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_hedge_timeout_cancels_every_attempt() {
    let (result, t) = timeline::capture(hanging_replicas()).await;
    assert_eq!(result, Err(Error::Rejected(Rejection::TimedOut { after: ms(200) })));
    assert_eq!(attempts(&t), [(0, 200, 1, AttemptOutcome::Cancelled), (50, 150, 2, AttemptOutcome::Cancelled)]);
    let last = t.entries().last().unwrap();
    assert_eq!(
        (last.at, last.what),
        (
            ms(200),
            What::Rejected { policy: "hedge", name: last_name(&t), rejection: Rejection::TimedOut { after: ms(200) } }
        )
    );
    assert_eq!(last_name(&t), Some("timeline::hanging_replicas"));
}

/// The hedge tracker's name of the timeline's last rejection (an unnamed hedge's is its function's path).
fn last_name(t: &Timeline) -> Option<&'static str> {
    match t.entries().last().unwrap().what {
        What::Rejected { name, .. } => name,
        _ => None,
    }
}

#[resile::hedge(delay = "50ms", max_requests = 2)]
async fn first_replica_fails(next: &AtomicU32) -> Result<u32, Error> {
    let n = next.fetch_add(1, Ordering::SeqCst) + 1;
    sleep(ms(10)).await;
    if n == 1 { Err(Error::Down) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn a_failed_hedged_attempt_is_replaced_at_once() {
    let next = AtomicU32::new(0);
    let (result, t) = timeline::capture(first_replica_fails(&next)).await;
    assert_eq!(result, Ok(2));
    assert_eq!(attempts(&t), [(0, 10, 1, AttemptOutcome::Failure), (10, 10, 2, AttemptOutcome::Success)]);
}
