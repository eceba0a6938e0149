//! Cancellation sweeps: each guarded call is dropped after its k-th poll, for every k from 0
//! until the call completes on its own (paused clock, advanced between polls so that sleeps
//! end), and the policy's stats are checked against what actually ran, counted in the body.
//! A budget token, hedge token, probe slot or count is spent only for work that started,
//! and given back when the call is dropped at any await point (`docs::cancellation`).
//!
//! Each test uses names of its own (tests in one binary run in parallel); within a sweep the
//! policy is reset between two values of k, or its counters are compared as differences.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::task::Poll;
use std::time::Duration;

use resile::Rejection;
use resile::retry::{RetryBudgetConfig, RetryBudgetStats};

#[derive(Debug, Clone, PartialEq)]
enum E {
    Failed,
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

/// The step the clock advances by between two polls.
const STEP: Duration = ms(50);

/// Polls `fut` up to `k` times, advancing the clock by [`STEP`] after each pending poll, and
/// drops it: `Some(output)` if it completed within those polls.
async fn poll_then_drop<F: Future>(fut: F, k: usize) -> Option<F::Output> {
    let mut fut = pin!(fut);
    for _ in 0..k {
        if let Poll::Ready(out) = futures::poll!(fut.as_mut()) {
            return Some(out);
        }
        tokio::time::advance(STEP).await;
    }
    None
}

/// Counts an attempt that started and, when it is dropped (done or cancelled), one that ended.
struct Running<'a>(&'a AtomicU32);
impl<'a> Running<'a> {
    fn new(started: &'a AtomicU32, ended: &'a AtomicU32) -> Self {
        started.fetch_add(1, SeqCst);
        Running(ended)
    }
}
impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Runs `sweep(k)` for k = 0, 1, ... until it reports that the call completed on its own;
/// returns that k (the number of polls the call takes).
async fn sweep<Fut: Future<Output = bool>>(mut one: impl FnMut(usize) -> Fut) -> usize {
    for k in 0..200 {
        if one(k).await {
            return k;
        }
    }
    panic!("the call never completed on its own");
}

/// Puts `config` in force on the retry budget `budget` with a fresh window (putting the
/// settings in force already would change nothing).
fn fresh_budget(budget: &resile::retry::RetryBudgetHandle, config: RetryBudgetConfig) {
    budget.reconfigure(config.ttl(config.ttl + Duration::from_secs(1))).unwrap();
    budget.reconfigure(config).unwrap();
}

/// Gives the hedge tracker `tracker`, if it exists, a fresh latency window and a full budget.
fn fresh_tracker(tracker: &resile::hedge::HedgeTrackerHandle) {
    if let Some(config) = tracker.config() {
        tracker.reconfigure(config.token_max(config.token_max + 1.0)).unwrap();
        tracker.reconfigure(config).unwrap();
    }
}

fn budget_delta(before: RetryBudgetStats, after: RetryBudgetStats) -> (u64, u64, u64) {
    (after.deposits - before.deposits, after.allowed - before.allowed, after.denied - before.denied)
}

// ----------------------------------------------------------------------------------------
// Retry with a retry budget

/// One retry of reserve: ratio 0, one retry per second over one second.
fn one_retry() -> RetryBudgetConfig {
    RetryBudgetConfig::new().ratio(0.0).min_per_sec(1).ttl(Duration::from_secs(1))
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "100ms", jitter = "none", retry_budget = "sweep_retry")]
async fn retried(started: &AtomicU32) -> Result<(), E> {
    started.fetch_add(1, SeqCst);
    Err(E::Failed)
}

#[tokio::test(start_paused = true)]
async fn retry_budget_sweep() {
    let budget = resile::retry_budget("sweep_retry");
    let polls = sweep(|k| {
        let budget = &budget;
        async move {
            fresh_budget(budget, one_retry());
            let before = budget.stats();
            let started = AtomicU32::new(0);
            let out = poll_then_drop(retried(&started), k).await;
            let attempts = u64::from(started.load(SeqCst));
            let after = budget.stats();
            // Attempt 1 at the first poll; the retry's sleep ends at the third, where attempt
            // 2 runs and fails, and the second retry is denied: the call ends.
            let retries = attempts.saturating_sub(1);
            let denied = u64::from(out.is_some());
            assert_eq!(budget_delta(before, after), (attempts.min(1), retries, denied), "k = {k}");
            assert_eq!(after.available, (1 - retries) as f64, "k = {k}: a cancelled retry is given back");
            if let Some(out) = &out {
                assert_eq!((out, attempts), (&Err(E::Failed), 2), "k = {k}");
            }
            assert_eq!(attempts, [0, 1, 1, 2][k.min(3)], "k = {k}");
            out.is_some()
        }
    })
    .await;
    assert_eq!(polls, 3);
}

#[resile::retry(
    max = 2,
    backoff = "constant",
    base_delay = "100ms",
    jitter = "none",
    retry_budget = "issue13_one_retry"
)]
async fn fails_once(calls: &AtomicU32) -> Result<u32, E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    if n == 1 { Err(E::Failed) } else { Ok(n) }
}

/// The replayed bug: a budget of one retry; call A fails, is granted its retry, and is
/// cancelled by an outer timeout during the backoff; call B then fails and must be granted
/// the retry A never sent.
#[tokio::test(start_paused = true)]
async fn issue13_cancelled_backoff_gives_its_retry_back() {
    let budget = resile::retry_budget("issue13_one_retry");
    budget.reconfigure(one_retry()).unwrap();

    let a = AtomicU32::new(0);
    let timed_out = tokio::time::timeout(ms(50), fails_once(&a)).await;
    assert!(timed_out.is_err(), "A is cancelled 50 ms into its 100 ms backoff");
    assert_eq!(a.load(SeqCst), 1, "A's retry never ran");
    let st = budget.stats();
    assert_eq!((st.deposits, st.allowed, st.denied, st.available), (1, 0, 0, 1.0));

    let b = AtomicU32::new(0);
    assert_eq!(fails_once(&b).await, Ok(2), "B is granted its retry");
    assert_eq!(b.load(SeqCst), 2);
    let st = budget.stats();
    assert_eq!((st.deposits, st.allowed, st.denied, st.available), (2, 1, 0, 0.0));
}

/// The plain value behaves the same: a cancelled backoff gives its retry back.
#[tokio::test(start_paused = true)]
async fn plain_retry_value_gives_a_cancelled_retry_back() {
    use resile::retry::{Backoff, Jitter, Retry, RetryConfig};
    let budget = resile::retry_budget("sweep_plain_retry");
    budget.reconfigure(one_retry()).unwrap();
    let retry: Retry<E> =
        Retry::new(RetryConfig::new().max(2).backoff(Backoff::Constant).base_delay(ms(100)).jitter(Jitter::None))
            .retry_budget("sweep_plain_retry");
    let calls = AtomicU32::new(0);
    let op = || {
        calls.fetch_add(1, SeqCst);
        async { Err::<(), E>(E::Failed) }
    };
    assert!(tokio::time::timeout(ms(50), retry.call(op)).await.is_err());
    let st = budget.stats();
    assert_eq!((calls.load(SeqCst), st.deposits, st.allowed, st.denied, st.available), (1, 1, 0, 0, 1.0));
    assert_eq!(retry.call(op).await, Err(E::Failed));
    let st = budget.stats();
    assert_eq!((calls.load(SeqCst), st.deposits, st.allowed, st.denied, st.available), (3, 2, 1, 0, 0.0));
}

// ----------------------------------------------------------------------------------------
// Timeout

#[resile::timeout("100ms")]
async fn timed(started: &AtomicU32, finished: &AtomicU32) -> Result<(), E> {
    let _running = Running::new(started, finished);
    tokio::time::sleep(ms(200)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn timeout_sweep() {
    let polls = sweep(|k| async move {
        let (started, finished) = (AtomicU32::new(0), AtomicU32::new(0));
        let out = poll_then_drop(timed(&started, &finished), k).await;
        let started = started.load(SeqCst);
        assert_eq!(started, u32::from(k > 0), "k = {k}");
        assert_eq!(finished.load(SeqCst), started, "k = {k}: the inner future is dropped");
        if let Some(out) = &out {
            assert_eq!(out, &Err(E::Rejected(Rejection::TimedOut { after: ms(100) })));
        }
        out.is_some()
    })
    .await;
    assert_eq!(polls, 3);
}

// ----------------------------------------------------------------------------------------
// Circuit breaker, closed

#[resile::circuit_breaker(name = "sweep_cb_closed", minimum_calls = 100)]
async fn guarded(started: &AtomicU32) -> Result<(), E> {
    started.fetch_add(1, SeqCst);
    tokio::time::sleep(ms(100)).await;
    Err(E::Failed)
}

#[tokio::test(start_paused = true)]
async fn circuit_breaker_closed_sweep() {
    let breaker = resile::circuit_breaker("sweep_cb_closed");
    let polls = sweep(|k| {
        let breaker = &breaker;
        async move {
            breaker.reset();
            let started = AtomicU32::new(0);
            let out = poll_then_drop(guarded(&started), k).await;
            let st = breaker.stats();
            assert_eq!(started.load(SeqCst), u32::from(k > 0), "k = {k}");
            // Only a call that ended is recorded; a dropped one records nothing.
            let recorded = u64::from(out.is_some());
            assert_eq!((st.state, st.total, st.failures), (resile::State::Closed, recorded, recorded), "k = {k}");
            out.is_some()
        }
    })
    .await;
    assert_eq!(polls, 3);
}

// ----------------------------------------------------------------------------------------
// Circuit breaker, half-open: a cancelled probe gives its slot back

#[derive(Clone, Copy)]
enum Probe {
    Fail,
    SlowOk,
}

#[resile::circuit_breaker(
    name = "sweep_cb_half_open",
    minimum_calls = 1,
    open_timeout = "1s",
    permitted_calls_in_half_open = 2
)]
async fn probed(how: Probe, started: &AtomicU32) -> Result<(), E> {
    started.fetch_add(1, SeqCst);
    match how {
        Probe::Fail => Err(E::Failed),
        Probe::SlowOk => {
            tokio::time::sleep(ms(100)).await;
            Ok(())
        }
    }
}

#[tokio::test(start_paused = true)]
async fn circuit_breaker_half_open_sweep() {
    use resile::State;
    let breaker = resile::circuit_breaker("sweep_cb_half_open");
    let polls = sweep(|k| {
        let breaker = &breaker;
        async move {
            breaker.reset();
            let trip = AtomicU32::new(0);
            assert_eq!(probed(Probe::Fail, &trip).await, Err(E::Failed));
            assert_eq!(breaker.state(), State::Open, "k = {k}");
            tokio::time::advance(Duration::from_secs(1)).await;

            // The swept call is the first probe (its admission moves the breaker to half-open).
            let started = AtomicU32::new(0);
            let out = poll_then_drop(probed(Probe::SlowOk, &started), k).await;
            assert_eq!(started.load(SeqCst), u32::from(k > 0), "k = {k}");
            let st = breaker.stats();
            let done = u64::from(out.is_some());
            // Never polled: still open, its window frozen as it was when it opened.
            let expected = if k == 0 { (State::Open, 1, 1) } else { (State::HalfOpen, done, 0) };
            assert_eq!((st.state, st.total, st.failures), expected, "k = {k}");

            // Then two probes at once: both are admitted unless the swept probe completed
            // and still holds its slot (then one is refused).
            let (a, b) = (AtomicU32::new(0), AtomicU32::new(0));
            let (ra, rb) = futures::join!(probed(Probe::SlowOk, &a), probed(Probe::SlowOk, &b));
            let admitted = a.load(SeqCst) + b.load(SeqCst);
            assert_eq!(admitted, 2 - u32::from(out.is_some()), "k = {k}: every probe slot is back");
            let refused =
                [&ra, &rb].iter().filter(|r| matches!(r, Err(E::Rejected(Rejection::CircuitOpen { .. })))).count();
            assert_eq!((refused, ra.is_ok() || rb.is_ok()), (2 - admitted as usize, true), "k = {k}");
            assert_eq!(breaker.state(), State::Closed, "k = {k}: two successful probes close it");
            out.is_some()
        }
    })
    .await;
    assert_eq!(polls, 3);
}

// ----------------------------------------------------------------------------------------
// Hedge with its budget

#[resile::hedge(name = "sweep_hedge", delay = "100ms", max_requests = 3, token_max = 5.0)]
async fn hedged(started: &AtomicU32) -> Result<u32, E> {
    let n = started.fetch_add(1, SeqCst) + 1;
    // Attempts 1 and 2 are slow; attempt 3 (started at 200 ms) answers 10 ms later.
    tokio::time::sleep(if n < 3 { ms(1000) } else { ms(10) }).await;
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn hedge_sweep() {
    let tracker = resile::hedge_tracker("sweep_hedge");
    let polls = sweep(|k| {
        let tracker = &tracker;
        async move {
            fresh_tracker(tracker);
            let before = tracker.stats();
            let started = AtomicU32::new(0);
            let out = poll_then_drop(hedged(&started), k).await;
            let after = tracker.stats();
            let attempts = u64::from(started.load(SeqCst));
            let hedges = attempts.saturating_sub(1);
            let won = u64::from(out.is_some());
            let delta = (
                after.total_requests - before.total_requests,
                after.hedged_requests - before.hedged_requests,
                after.hedge_won - before.hedge_won,
                after.hedges_denied - before.hedges_denied,
            );
            assert_eq!(delta, (attempts.min(1), hedges, won, 0), "k = {k}");
            // A hedge token is spent per extra attempt that started; a success credits 0.1.
            // (The bucket counts millionths of a token.)
            // (The tracker exists once a call has started.)
            let tokens = (5_000_000 - 1_000_000 * hedges + 100_000 * won) as f64 / 1e6;
            if tracker.config().is_some() {
                assert_eq!(after.tokens, tokens, "k = {k}");
            }
            // A cancelled call records no latency sample.
            assert_eq!(after.p50 == Duration::ZERO, won == 0, "k = {k}");
            if let Some(out) = out {
                assert_eq!((out, attempts), (Ok(3), 3), "k = {k}");
            }
            // Attempt 2 at the third poll (100 ms), attempt 3 at the fifth (200 ms).
            assert_eq!(attempts, [0, 1, 1, 2, 2, 3, 3][k.min(6)], "k = {k}");
            won == 1
        }
    })
    .await;
    assert_eq!(polls, 6);
}

// ----------------------------------------------------------------------------------------
// A stack: retry (with a budget) around a breaker around a hedge

#[resile::retry(
    max = 3,
    backoff = "constant",
    base_delay = "100ms",
    jitter = "none",
    retry_budget = "sweep_stack",
    allow = "retry_into_open_breaker"
)]
#[resile::circuit_breaker(name = "sweep_stack", minimum_calls = 100)]
#[resile::hedge(name = "sweep_stack", delay = "100ms", max_requests = 2)]
async fn stacked(started: &AtomicU32) -> Result<(), E> {
    started.fetch_add(1, SeqCst);
    tokio::time::sleep(ms(150)).await;
    Err(E::Failed)
}

#[tokio::test(start_paused = true)]
async fn stack_sweep() {
    let budget = resile::retry_budget("sweep_stack");
    let breaker = resile::circuit_breaker("sweep_stack");
    let tracker = resile::hedge_tracker("sweep_stack");
    let polls = sweep(|k| {
        let (budget, breaker, tracker) = (&budget, &breaker, &tracker);
        async move {
            // Ten retries of reserve over ten seconds: the budget never refuses here.
            fresh_budget(budget, RetryBudgetConfig::new().ratio(0.0).min_per_sec(1));
            breaker.reset();
            fresh_tracker(tracker);
            let (b0, h0) = (budget.stats(), tracker.stats());
            let started = AtomicU32::new(0);
            let out = poll_then_drop(stacked(&started), k).await;
            let (b1, h1, cb) = (budget.stats(), tracker.stats(), breaker.stats());
            let attempts = u64::from(started.load(SeqCst));
            // Hedged calls started = retry-level attempts that started.
            let calls = h1.total_requests - h0.total_requests;
            let hedges = h1.hedged_requests - h0.hedged_requests;
            assert_eq!(attempts, calls + hedges, "k = {k}: every attempt is a first attempt or a hedge");
            assert!(calls <= 3, "k = {k}");
            // The budget: one deposit per call, one retry per retry-level attempt after the
            // first (a retry cancelled during its backoff is given back).
            assert_eq!(budget_delta(b0, b1), (calls.min(1), calls.saturating_sub(1), 0), "k = {k}");
            assert_eq!(b1.available, (10 - calls.saturating_sub(1)) as f64, "k = {k}");
            // The breaker records each hedged call that ended (all fail), and no cancelled one.
            assert_eq!((cb.total, cb.failures), (cb.total, cb.total), "k = {k}");
            let cancelled = calls - cb.total;
            assert!(cancelled <= 1, "k = {k}: at most the running call is cancelled");
            if tracker.config().is_some() {
                assert_eq!(h1.tokens, 10.0 - hedges as f64, "k = {k}: no success, no credit");
            }
            assert_eq!((h1.hedge_won, h1.p50), (h0.hedge_won, Duration::ZERO), "k = {k}");
            if let Some(out) = &out {
                assert_eq!((out, calls, hedges, cb.total), (&Err(E::Failed), 3, 3, 3), "k = {k}");
            }
            out.is_some()
        }
    })
    .await;
    // Each hedged call: attempts at 0 and 100 ms, both fail 150 ms later (polls 1 to 6);
    // backoffs of 100 ms between them (two polls each).
    assert_eq!(polls, 6 + 2 + 5 + 2 + 5);
}

static SF_STARTED: AtomicU32 = AtomicU32::new(0);
static SF_ENDED: AtomicU32 = AtomicU32::new(0);
static SF_DONE: AtomicU32 = AtomicU32::new(0);

#[resile::single_flight(key = id)]
async fn sweep_single_flight(id: u64) -> Result<u64, E> {
    let _running = Running::new(&SF_STARTED, &SF_ENDED);
    tokio::time::sleep(ms(120)).await;
    SF_DONE.fetch_add(1, SeqCst);
    Ok(id)
}

/// Single flight: the caller that started the execution is dropped after its k-th poll
/// while a second caller waits on it; the execution runs once, to the end, for the second
/// caller. Then a lone caller dropped after its k-th poll drops the execution with it, and
/// the key is free again.
#[tokio::test(start_paused = true)]
async fn sweep_single_flight_first_caller() {
    let polls = sweep(|k| async move {
        let (started, ended, done) = (SF_STARTED.load(SeqCst), SF_ENDED.load(SeqCst), SF_DONE.load(SeqCst));
        let key = k as u64;
        let mut waiter = Box::pin(sweep_single_flight(key));
        let mut first = Box::pin(sweep_single_flight(key));
        let mut completed = None;
        for i in 0..k {
            if i > 0 {
                tokio::time::advance(STEP).await;
            }
            if let Poll::Ready(out) = futures::poll!(first.as_mut()) {
                completed = Some(out);
                break;
            }
            if i == 0 {
                // The waiter joins the execution the first caller started.
                assert!(futures::poll!(waiter.as_mut()).is_pending());
            }
        }
        drop(first);
        assert_eq!(waiter.await, Ok(key), "k = {k}: the waiter gets the one execution's result");
        assert_eq!(SF_STARTED.load(SeqCst) - started, 1, "k = {k}: one execution");
        assert_eq!(SF_ENDED.load(SeqCst) - ended, 1, "k = {k}");
        assert_eq!(SF_DONE.load(SeqCst) - done, 1, "k = {k}: it ran to the end");
        // A lone caller dropped after k polls drops the execution; the key is free again.
        let started = SF_STARTED.load(SeqCst);
        let lone = poll_then_drop(sweep_single_flight(key), k).await;
        assert_eq!(SF_STARTED.load(SeqCst) - started, u32::from(k > 0), "k = {k}");
        assert_eq!(SF_ENDED.load(SeqCst), SF_STARTED.load(SeqCst), "k = {k}: nothing left running");
        assert_eq!(resile::single_flight::stats("sweep_single_flight").unwrap().in_flight, 0, "k = {k}");
        completed.is_some() && lone.is_some()
    })
    .await;
    assert!(polls > 1);
}

// ----------------------------------------------------------------------------------------
// Bulkhead

#[resile::bulkhead(name = "sweep_bulkhead", max_concurrent = 1, max_wait = "1s")]
async fn bulkheaded(started: &AtomicU32, ended: &AtomicU32) -> Result<(), E> {
    let _running = Running::new(started, ended);
    tokio::time::sleep(ms(100)).await;
    Ok(())
}

/// The call waits in the queue (a holder keeps the one permit for 75 ms), then runs for
/// 100 ms. Dropped after any poll: its permit (if it had one) and its place in the queue (if
/// it was waiting) are given back at once, and so is the holder's.
#[tokio::test(start_paused = true)]
async fn bulkhead_sweep() {
    let bulkhead = resile::Bulkhead::named("sweep_bulkhead", resile::BulkheadConfig::new(1));
    let handle = resile::bulkhead("sweep_bulkhead");
    let polls = sweep(|k| {
        let handle = &handle;
        async move {
            let (started, ended) = (AtomicU32::new(0), AtomicU32::new(0));
            let holder = bulkhead.try_acquire(1).expect("the permit is free between two runs");
            let release = async move {
                tokio::time::sleep(ms(75)).await;
                drop(holder);
            };
            let out = poll_then_drop(futures::future::join(bulkheaded(&started, &ended), release), k).await;
            let stats = handle.stats();
            assert_eq!((stats.in_use, stats.waiting), (0, 0), "k = {k}: everything given back");
            assert_eq!(started.load(SeqCst), ended.load(SeqCst), "k = {k}");
            // Waiting at polls 1 to 3 (the holder lets go at 75 ms, in poll 3, after the call
            // was polled), admitted and running at 4 (150 ms), done at 6 (250 ms).
            assert_eq!(started.load(SeqCst), u32::from(k >= 4), "k = {k}");
            if let Some((out, ())) = &out {
                assert_eq!(out, &Ok(()), "k = {k}");
            }
            out.is_some()
        }
    })
    .await;
    assert_eq!(polls, 6);
}

// ----------------------------------------------------------------------------------------
// Rate limiter

#[resile::rate_limit(name = "sweep_rate_limit", rate = 10, burst_size = 1, max_wait = "1s")]
async fn limited(started: &AtomicU32, ended: &AtomicU32) -> Result<(), E> {
    let _running = Running::new(started, ended);
    tokio::time::sleep(ms(100)).await;
    Ok(())
}

/// The bucket (1 token, 10 per second) is emptied, then the call waits 100 ms for its token
/// and runs for 100 ms. Dropped while waiting, it gives its token back (it is the last to
/// have taken one): the bucket then holds what it would without it. Dropped once running,
/// its token is spent.
#[tokio::test(start_paused = true)]
async fn rate_limit_sweep() {
    let limiter = resile::RateLimiter::named("sweep_rate_limit", resile::RateLimitConfig::new(10.0).burst_size(1.0));
    let handle = resile::rate_limiter("sweep_rate_limit");
    let polls = sweep(|k| {
        let handle = &handle;
        async move {
            handle.reset();
            assert!(matches!(limiter.try_acquire(1, Duration::ZERO), resile::rate_limit::Decision::Admit));
            let (started, ended) = (AtomicU32::new(0), AtomicU32::new(0));
            let out = poll_then_drop(limited(&started, &ended), k).await;
            assert_eq!(started.load(SeqCst), ended.load(SeqCst), "k = {k}");
            // Waiting at polls 1 and 2, its token comes at 100 ms (poll 3), done at poll 5.
            let ran = k >= 3;
            assert_eq!(started.load(SeqCst), u32::from(ran), "k = {k}");
            // Tokens now, 50k ms after the bucket was emptied: 10 per second, at most 1.
            let elapsed = 50.0 * k as f64 - if ran { 100.0 } else { 0.0 };
            assert_eq!(handle.stats().tokens, (elapsed / 100.0).min(1.0), "k = {k}");
            if let Some(out) = &out {
                assert_eq!(out, &Ok(()), "k = {k}");
            }
            out.is_some()
        }
    })
    .await;
    assert_eq!(polls, 5);
}
