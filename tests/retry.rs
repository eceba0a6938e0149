//! `#[retry]` through the attribute, argument by argument, with exact attempt counts and exact
//! elapsed virtual time (tokio's paused clock), plus the runtime value `resile::Retry` alone.
//!
//! Each sleep on tokio's paused clock ends on the timer wheel's next millisecond, so the elapsed
//! time of a call is the sum of its sleeps, each rounded up to a whole millisecond. Every
//! backoff here without jitter is a whole number of milliseconds, so elapsed times are exact.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use resile::retry::{Backoff, Jitter, RetryBudgetConfig, RetryConfig};
use resile::{Rejection, Retry};
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum E {
    /// A transient failure of attempt `n`.
    Flaky(u32),
    /// A failure that retrying cannot fix.
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

/// Counts an attempt and fails it with its number.
fn fail(calls: &AtomicU32) -> Result<(), E> {
    Err(E::Flaky(calls.fetch_add(1, SeqCst) + 1))
}

/// Runs `f` with a fresh counter: (result, attempts, elapsed virtual time).
async fn measure<T, F>(f: impl FnOnce(&'static AtomicU32) -> F) -> (Result<T, E>, u32, Duration)
where
    F: Future<Output = Result<T, E>>,
{
    let calls: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
    let start = Instant::now();
    let r = f(calls).await;
    (r, calls.load(SeqCst), start.elapsed())
}

// ---- backoff shapes -------------------------------------------------------------------------

#[resile::retry(max = 5, backoff = "exp", base_delay = "100ms", jitter = "none")]
async fn exp(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 5, backoff = "exponential", base_delay = "0.1s", jitter = "none")]
async fn exponential_long_name(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 4, backoff = "linear", base_delay = "100ms", jitter = "none")]
async fn linear(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 4, backoff = "linear", base_delay = "100ms", increment = "50ms", jitter = "none")]
async fn linear_increment(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 4, backoff = "constant", base_delay = "70ms", jitter = "none")]
async fn constant(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 6, backoff = "fibonacci", base_delay = "100ms", jitter = "none")]
async fn fibonacci(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 4, backoff = "exp", base_delay = "100ms", multiplier = 3.0, jitter = "none")]
async fn multiplier3(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(backoff = ["100ms", "500ms", "2s"], jitter = "none")]
async fn list(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(backoff = ["1s", "0.25s"], jitter = "none")]
async fn list_mixed_units(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 6, backoff = "exp", base_delay = "100ms", max_delay = "500ms", jitter = "none")]
async fn capped(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 5, backoff = "fibonacci", base_delay = "100ms", max_delay = "150ms", jitter = "none")]
async fn capped_fibonacci(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "0ms", jitter = "none")]
async fn zero_delay(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[tokio::test(start_paused = true)]
async fn exponential_5_attempts_1500ms() {
    assert_eq!(measure(exp).await, (Err(E::Flaky(5)), 5, ms(100 + 200 + 400 + 800)));
    assert_eq!(measure(exponential_long_name).await, (Err(E::Flaky(5)), 5, ms(1500)));
}

#[tokio::test(start_paused = true)]
async fn linear_with_and_without_increment() {
    assert_eq!(measure(linear).await, (Err(E::Flaky(4)), 4, ms(100 + 200 + 300)));
    assert_eq!(measure(linear_increment).await, (Err(E::Flaky(4)), 4, ms(100 + 150 + 200)));
}

#[tokio::test(start_paused = true)]
async fn constant_backoff() {
    assert_eq!(measure(constant).await, (Err(E::Flaky(4)), 4, ms(3 * 70)));
}

#[tokio::test(start_paused = true)]
async fn fibonacci_backoff() {
    assert_eq!(measure(fibonacci).await, (Err(E::Flaky(6)), 6, ms(100 + 100 + 200 + 300 + 500)));
}

#[tokio::test(start_paused = true)]
async fn exponential_multiplier_3() {
    assert_eq!(measure(multiplier3).await, (Err(E::Flaky(4)), 4, ms(100 + 300 + 900)));
}

#[tokio::test(start_paused = true)]
async fn literal_list_sets_attempts_to_len_plus_one() {
    assert_eq!(measure(list).await, (Err(E::Flaky(4)), 4, ms(2600)));
    assert_eq!(measure(list_mixed_units).await, (Err(E::Flaky(3)), 3, ms(1250)));
}

#[tokio::test(start_paused = true)]
async fn max_delay_caps_every_delay() {
    assert_eq!(measure(capped).await, (Err(E::Flaky(6)), 6, ms(100 + 200 + 400 + 500 + 500)));
    assert_eq!(measure(capped_fibonacci).await, (Err(E::Flaky(5)), 5, ms(100 + 100 + 150 + 150)));
}

#[tokio::test(start_paused = true)]
async fn zero_delay_retries_at_once() {
    assert_eq!(measure(zero_delay).await, (Err(E::Flaky(3)), 3, Duration::ZERO));
}

// ---- max, defaults, success after failures ---------------------------------------------------

#[resile::retry(max = 1, jitter = "none")]
async fn max_one(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry]
async fn defaults(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry()]
async fn defaults_empty_parens(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 5, backoff = "exp", base_delay = "100ms", jitter = "none")]
async fn ok_after(calls: &AtomicU32, failures: u32) -> Result<u32, E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    if n <= failures { Err(E::Flaky(n)) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn max_one_means_no_retry() {
    assert_eq!(measure(max_one).await, (Err(E::Flaky(1)), 1, Duration::ZERO));
}

#[tokio::test(start_paused = true)]
async fn defaults_are_3_attempts_with_full_jitter_under_exp_100ms() {
    for _ in 0..50 {
        let (r, n, t) = measure(defaults).await;
        assert_eq!((r, n), (Err(E::Flaky(3)), 3));
        assert!(t <= ms(100 + 200), "{t:?}");
        let (r, n, t) = measure(defaults_empty_parens).await;
        assert_eq!((r, n), (Err(E::Flaky(3)), 3));
        assert!(t <= ms(300), "{t:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn success_after_k_failures() {
    assert_eq!(measure(|c| ok_after(c, 0)).await, (Ok(1), 1, Duration::ZERO));
    assert_eq!(measure(|c| ok_after(c, 1)).await, (Ok(2), 2, ms(100)));
    assert_eq!(measure(|c| ok_after(c, 3)).await, (Ok(4), 4, ms(100 + 200 + 400)));
    assert_eq!(measure(|c| ok_after(c, 4)).await, (Ok(5), 5, ms(1500)));
    // one failure too many: the last error comes back
    assert_eq!(measure(|c| ok_after(c, 5)).await, (Err(E::Flaky(5)), 5, ms(1500)));
}

// ---- jitter bounds ---------------------------------------------------------------------------

/// Delays handed to `on_retry`, per jitter mode (each test owns one slot).
static DELAYS: [Mutex<Vec<Duration>>; 5] = [const { Mutex::new(Vec::new()) }; 5];

fn record<const SLOT: usize>(_attempt: u32, delay: Duration, _e: &E) {
    DELAYS[SLOT].lock().unwrap().push(delay);
}

#[resile::retry(max = 4, base_delay = "100ms", jitter = "full", on_retry = record::<0>)]
async fn jitter_full(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 4, base_delay = "100ms", jitter = "equal", on_retry = record::<1>)]
async fn jitter_equal(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 4, base_delay = "100ms", jitter = "decorrelated", on_retry = record::<2>)]
async fn jitter_decorrelated(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 4, base_delay = "100ms", jitter = 0.25, on_retry = record::<3>)]
async fn jitter_quarter(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 6, base_delay = "100ms", max_delay = "250ms", jitter = "decorrelated", on_retry = record::<4>)]
async fn jitter_decorrelated_capped(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

/// Runs `f` `runs` times; checks the attempts, that each call's elapsed time is exactly its
/// sleeps rounded up to whole milliseconds, and that it lies in `[lo, hi]`. Returns the delays.
async fn jitter_runs<F: Future<Output = Result<(), E>>>(
    slot: usize,
    attempts: u32,
    f: impl Fn(&'static AtomicU32) -> F,
    (lo, hi): (Duration, Duration),
) -> Vec<Vec<Duration>> {
    let mut all = Vec::new();
    for _ in 0..300 {
        DELAYS[slot].lock().unwrap().clear();
        let (r, n, t) = measure(&f).await;
        assert_eq!((r, n), (Err(E::Flaky(attempts)), attempts));
        let delays = std::mem::take(&mut *DELAYS[slot].lock().unwrap());
        assert_eq!(delays.len() as u32, attempts - 1);
        let slept: Duration =
            delays.iter().map(|d| Duration::from_millis(d.as_nanos().div_ceil(1_000_000) as u64)).sum();
        assert_eq!(t, slept, "elapsed is the sum of the sleeps, {delays:?}");
        assert!(lo <= t && t <= hi, "{t:?} outside [{lo:?}, {hi:?}]");
        all.push(delays);
    }
    all
}

/// The draws are not constant: the spread across runs covers most of `[lo, hi]`.
fn spread(runs: &[Vec<Duration>], retry: usize) -> (Duration, Duration) {
    let v = runs.iter().map(|d| d[retry]);
    (v.clone().min().unwrap(), v.max().unwrap())
}

#[tokio::test(start_paused = true)]
async fn jitter_full_is_uniform_in_0_to_d() {
    let runs = jitter_runs(0, 4, jitter_full, (Duration::ZERO, ms(100 + 200 + 400))).await;
    for d in &runs {
        assert!(d[0] <= ms(100) && d[1] <= ms(200) && d[2] <= ms(400), "{d:?}");
    }
    let (lo, hi) = spread(&runs, 2);
    assert!(lo < ms(40) && hi > ms(360), "{lo:?}..{hi:?}");
}

#[tokio::test(start_paused = true)]
async fn jitter_equal_is_uniform_in_half_d_to_d() {
    let runs = jitter_runs(1, 4, jitter_equal, (ms(50 + 100 + 200), ms(100 + 200 + 400))).await;
    for d in &runs {
        assert!((ms(50)..=ms(100)).contains(&d[0]), "{d:?}");
        assert!((ms(100)..=ms(200)).contains(&d[1]), "{d:?}");
        assert!((ms(200)..=ms(400)).contains(&d[2]), "{d:?}");
    }
    let (lo, hi) = spread(&runs, 2);
    assert!(lo < ms(220) && hi > ms(380), "{lo:?}..{hi:?}");
}

#[tokio::test(start_paused = true)]
async fn jitter_decorrelated_is_uniform_in_base_to_3x_previous() {
    let runs = jitter_runs(2, 4, jitter_decorrelated, (ms(300), ms(300 + 900 + 2700))).await;
    for d in &runs {
        assert!((ms(100)..=ms(300)).contains(&d[0]), "{d:?}");
        for k in 1..3 {
            assert!(d[k] >= ms(100) && d[k] <= d[k - 1] * 3, "{d:?}");
        }
    }
    let (lo, hi) = spread(&runs, 0);
    assert!(lo < ms(130) && hi > ms(270), "{lo:?}..{hi:?}");
}

#[tokio::test(start_paused = true)]
async fn jitter_decorrelated_is_capped_at_max_delay() {
    let runs = jitter_runs(4, 6, jitter_decorrelated_capped, (ms(500), ms(5 * 250))).await;
    for d in &runs {
        assert!(d.iter().all(|d| (ms(100)..=ms(250)).contains(d)), "{d:?}");
    }
    assert!(runs.iter().flatten().any(|d| *d == ms(250)), "the cap is reached");
}

#[tokio::test(start_paused = true)]
async fn jitter_proportion_is_d_times_1_plus_minus_p() {
    let runs = jitter_runs(3, 4, jitter_quarter, (ms(75 + 150 + 300), ms(125 + 250 + 500))).await;
    let within = |d: Duration, nominal: u64| {
        // the factor is applied in f64 seconds: allow 1 ns of rounding
        let (lo, hi) =
            (ms(nominal).mul_f64(0.75) - Duration::from_nanos(1), ms(nominal).mul_f64(1.25) + Duration::from_nanos(1));
        lo <= d && d <= hi
    };
    for d in &runs {
        assert!(within(d[0], 100) && within(d[1], 200) && within(d[2], 400), "{d:?}");
    }
    let (lo, hi) = spread(&runs, 2);
    assert!(lo < ms(320) && hi > ms(480), "{lo:?}..{hi:?}");
}

// ---- wall-clock budget -----------------------------------------------------------------------

#[resile::retry(max = 10, backoff = "constant", base_delay = "100ms", jitter = "none", budget = "350ms")]
async fn budget_350(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 10, backoff = "constant", base_delay = "100ms", jitter = "none", budget = "300ms")]
async fn budget_300(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 10, backoff = "constant", base_delay = "100ms", jitter = "none", budget = "650ms")]
async fn budget_slow_body(calls: &AtomicU32) -> Result<(), E> {
    tokio::time::sleep(ms(500)).await;
    fail(calls)
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "100ms", jitter = "none", budget = "10s")]
async fn budget_roomy(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[tokio::test(start_paused = true)]
async fn budget_stops_when_the_next_sleep_would_pass_it() {
    // attempts at 0, 100, 200, 300; at 300 the next sleep would end at 400 > 350
    assert_eq!(measure(budget_350).await, (Err(E::Flaky(4)), 4, ms(300)));
    // a sleep that ends exactly at the budget is allowed
    assert_eq!(measure(budget_300).await, (Err(E::Flaky(4)), 4, ms(300)));
    // a budget that never binds leaves `max` in charge
    assert_eq!(measure(budget_roomy).await, (Err(E::Flaky(3)), 3, ms(200)));
}

#[tokio::test(start_paused = true)]
async fn budget_does_not_cut_a_running_attempt() {
    // attempt 1: 0..500; 500 + 100 <= 650, so attempt 2 runs 600..1100, past the budget
    assert_eq!(measure(budget_slow_body).await, (Err(E::Flaky(2)), 2, ms(1100)));
}

// ---- retry_if ---------------------------------------------------------------------------------

fn is_transient(e: &E) -> bool {
    matches!(e, E::Flaky(_))
}

#[resile::retry(max = 5, backoff = "exp", base_delay = "100ms", jitter = "none", retry_if = is_transient)]
async fn filtered(calls: &AtomicU32, fatal_at: u32) -> Result<(), E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    if n == fatal_at { Err(E::Fatal) } else { Err(E::Flaky(n)) }
}

#[tokio::test(start_paused = true)]
async fn retry_if_returns_a_non_retryable_error_at_once() {
    assert_eq!(measure(|c| filtered(c, 1)).await, (Err(E::Fatal), 1, Duration::ZERO));
    assert_eq!(measure(|c| filtered(c, 3)).await, (Err(E::Fatal), 3, ms(100 + 200)));
    assert_eq!(measure(|c| filtered(c, 0)).await, (Err(E::Flaky(5)), 5, ms(1500)));
}

static CLASSIFIED: AtomicU32 = AtomicU32::new(0);

fn counted_transient(e: &E) -> bool {
    CLASSIFIED.fetch_add(1, SeqCst);
    is_transient(e)
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "10ms", jitter = "none", retry_if = counted_transient)]
async fn always_flaky(calls: &AtomicU32) -> Result<(), E> {
    Err(E::Flaky(calls.fetch_add(1, SeqCst) + 1))
}

#[tokio::test(start_paused = true)]
async fn retry_if_is_not_asked_about_the_last_attempt() {
    assert_eq!(measure(always_flaky).await, (Err(E::Flaky(3)), 3, ms(20)));
    assert_eq!(CLASSIFIED.load(SeqCst), 2, "asked after attempts 1 and 2, not after the last");
}

// ---- on_retry ---------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
enum Step {
    Attempt(u32),
    OnRetry(u32, Duration, E),
}

static STEPS: Mutex<Vec<Step>> = Mutex::new(Vec::new());

fn log_retry(attempt: u32, delay: Duration, err: &E) {
    STEPS.lock().unwrap().push(Step::OnRetry(attempt, delay, err.clone()));
}

#[resile::retry(max = 4, backoff = "exp", base_delay = "100ms", jitter = "none", on_retry = log_retry)]
async fn logged(calls: &AtomicU32) -> Result<(), E> {
    STEPS.lock().unwrap().push(Step::Attempt(calls.load(SeqCst) + 1));
    fail(calls)
}

#[tokio::test(start_paused = true)]
async fn on_retry_sees_attempt_delay_and_error_in_order() {
    assert_eq!(measure(logged).await, (Err(E::Flaky(4)), 4, ms(700)));
    use Step::*;
    assert_eq!(
        *STEPS.lock().unwrap(),
        [
            Attempt(1),
            OnRetry(1, ms(100), E::Flaky(1)),
            Attempt(2),
            OnRetry(2, ms(200), E::Flaky(2)),
            Attempt(3),
            OnRetry(3, ms(400), E::Flaky(3)),
            Attempt(4), // the last failure is returned, not announced as a retry
        ]
    );
}

// ---- retry_budget -----------------------------------------------------------------------------

#[resile::retry(max = 10, backoff = "constant", base_delay = "10ms", jitter = "none", retry_budget = "retry-test-solo")]
async fn budgeted_solo(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(
    max = 10,
    backoff = "constant",
    base_delay = "10ms",
    jitter = "none",
    retry_budget = "retry-test-shared"
)]
async fn budgeted_failing(calls: &AtomicU32) -> Result<(), E> {
    fail(calls)
}

#[resile::retry(max = 2, jitter = "none", retry_budget = "retry-test-shared")]
async fn budgeted_ok(calls: &AtomicU32) -> Result<u32, E> {
    Ok(calls.fetch_add(1, SeqCst) + 1)
}

#[tokio::test(start_paused = true)]
async fn retry_budget_denial_returns_the_last_error() {
    let budget = resile::retry_budget("retry-test-solo");
    budget.reconfigure(RetryBudgetConfig::new().ratio(1.0).min_per_sec(0)).unwrap();
    // one first attempt funds exactly one retry at ratio 1.0; the second retry is denied
    assert_eq!(measure(budgeted_solo).await, (Err(E::Flaky(2)), 2, ms(10)));
    let st = budget.stats();
    assert_eq!((st.deposits, st.allowed, st.denied, st.available), (1, 1, 1, 0.0));
    // the next call funds one more retry, no more
    assert_eq!(measure(budgeted_solo).await, (Err(E::Flaky(2)), 2, ms(10)));
    let st = budget.stats();
    assert_eq!((st.deposits, st.allowed, st.denied), (2, 2, 2));
}

#[tokio::test(start_paused = true)]
async fn retry_budget_is_shared_by_every_site_that_names_it() {
    let budget = resile::retry_budget("retry-test-shared");
    budget.reconfigure(RetryBudgetConfig::new().ratio(0.5).min_per_sec(0)).unwrap();
    assert!(std::ptr::eq(budget.get().unwrap(), resile::retry_budget("retry-test-shared").get().unwrap()));
    for _ in 0..3 {
        assert_eq!(measure(budgeted_ok).await, (Ok(1), 1, Duration::ZERO));
    }
    // 3 first attempts at ratio 0.5 fund 1.5 retries
    assert_eq!(budget.stats().available, 1.0);
    assert_eq!(budget.stats().deposits, 3);
    // the failing site adds its own first attempt (4 × 0.5 = 2 retries), then is denied
    assert_eq!(measure(budgeted_failing).await, (Err(E::Flaky(3)), 3, ms(20)));
    let st = budget.stats();
    assert_eq!((st.deposits, st.allowed, st.denied, st.available), (4, 2, 1, 0.0));
    // deposits leave the window after `ttl` (10 s): then no retry is funded at all
    tokio::time::advance(Duration::from_secs(11)).await;
    assert_eq!(measure(budgeted_failing).await, (Err(E::Flaky(1)), 1, Duration::ZERO));
    assert_eq!(budget.stats().denied, 2);
}

// ---- methods, borrowed arguments, generics ---------------------------------------------------

struct Conn {
    attempts: u32,
    sent: Vec<String>,
}

impl Conn {
    #[resile::retry(max = 4, backoff = "constant", base_delay = "10ms", jitter = "none")]
    async fn send(&mut self, payload: &str) -> Result<usize, E> {
        self.attempts += 1;
        if self.attempts < 3 {
            return Err(E::Flaky(self.attempts));
        }
        self.sent.push(payload.to_owned());
        Ok(self.sent.len())
    }

    #[resile::retry(max = 3, backoff = "constant", base_delay = "10ms", jitter = "none")]
    async fn peek(&self, calls: &AtomicU32) -> Result<usize, E> {
        fail(calls)?;
        Ok(self.sent.len())
    }
}

#[tokio::test(start_paused = true)]
async fn mut_self_method_is_retried() {
    let mut conn = Conn { attempts: 0, sent: Vec::new() };
    let payload = String::from("hello");
    let start = Instant::now();
    assert_eq!(conn.send(&payload).await, Ok(1));
    assert_eq!((conn.attempts, start.elapsed()), (3, ms(20)));
    assert_eq!(conn.sent, ["hello"]);
    assert_eq!(measure(|c| conn.peek(c)).await, (Err(E::Flaky(3)), 3, ms(20)));
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "5ms", jitter = "none")]
async fn longest<'a>(a: &'a str, b: &'a str, calls: &AtomicU32) -> Result<&'a str, E> {
    if calls.fetch_add(1, SeqCst) == 0 {
        return Err(E::Flaky(1));
    }
    Ok(if a.len() >= b.len() { a } else { b })
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "5ms", jitter = "none")]
async fn parse_sum<T>(items: &[&str], calls: &AtomicU32) -> Result<T, E>
where
    T: std::str::FromStr + std::iter::Sum<T>,
{
    if calls.fetch_add(1, SeqCst) < 2 {
        return Err(E::Flaky(calls.load(SeqCst)));
    }
    items.iter().map(|s| s.parse::<T>().map_err(|_| E::Fatal)).sum()
}

#[resile::retry(max = 2, jitter = "none", base_delay = "1ms")]
async fn fill(buf: &mut Vec<u32>, calls: &AtomicU32) -> Result<usize, E> {
    buf.push(calls.fetch_add(1, SeqCst) + 1);
    if buf.len() < 2 { Err(E::Flaky(1)) } else { Ok(buf.len()) }
}

#[tokio::test(start_paused = true)]
async fn borrowed_arguments_and_generics() {
    let (a, b) = (String::from("short"), String::from("longer one"));
    assert_eq!(measure(|c| longest(&a, &b, c)).await, (Ok("longer one"), 2, ms(5)));
    let items = vec!["1", "2", "39"];
    assert_eq!(measure(|c| parse_sum::<u64>(&items, c)).await, (Ok(42), 3, ms(10)));
    assert_eq!(measure(|c| parse_sum::<f32>(&items, c)).await, (Ok(42.0), 3, ms(10)));
    let mut buf = Vec::new();
    assert_eq!(measure(|c| fill(&mut buf, c)).await, (Ok(2), 2, ms(1)));
    assert_eq!(buf, [1, 2]);
}

#[tokio::test(start_paused = true)]
async fn guarded_future_is_send_and_spawnable() {
    let h = tokio::spawn(async {
        let start = Instant::now();
        let calls = AtomicU32::new(0);
        (exp(&calls).await, calls.load(SeqCst), start.elapsed())
    });
    assert_eq!(h.await.unwrap(), (Err(E::Flaky(5)), 5, ms(1500)));
}

// ---- the runtime value, without the macro ----------------------------------------------------

const NONE: RetryConfig = RetryConfig::new().jitter(Jitter::None);

#[tokio::test(start_paused = true)]
async fn runtime_retry_counts_attempts_and_time() {
    let retry: Retry<E> = Retry::new(NONE.max(5).backoff(Backoff::Fibonacci).base_delay(ms(10)));
    let mut calls = 0;
    let start = Instant::now();
    let r: Result<(), E> = retry
        .call(|| {
            calls += 1;
            let n = calls;
            async move { Err(E::Flaky(n)) }
        })
        .await;
    assert_eq!((r, calls, start.elapsed()), (Err(E::Flaky(5)), 5, ms(10 + 10 + 20 + 30)));

    let mut calls = 0;
    let r = retry
        .call(|| {
            calls += 1;
            let n = calls;
            async move { if n < 3 { Err(E::Flaky(n)) } else { Ok(n) } }
        })
        .await;
    assert_eq!((r, calls), (Ok(3), 3));
}

#[tokio::test(start_paused = true)]
async fn runtime_retry_list_linear_and_cap() {
    static LIST: [Duration; 3] = [ms(5), ms(50), ms(500)];
    let cases: [(RetryConfig, u32, Duration); 4] = [
        (NONE.backoff(Backoff::List(&LIST)), 4, ms(555)),
        (NONE.max(4).backoff(Backoff::Linear).increment(ms(1)), 4, ms(100 + 101 + 102)),
        (NONE.max(4).backoff(Backoff::Exponential).multiplier(10.0).max_delay(ms(2000)), 4, ms(100 + 1000 + 2000)),
        (NONE.max(3).budget(ms(150)), 2, ms(100)),
    ];
    for (cfg, attempts, elapsed) in cases {
        let retry: Retry<E> = Retry::new(cfg);
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let r = retry.call(|| async { fail(&calls) }).await;
        assert_eq!((r, calls.load(SeqCst), start.elapsed()), (Err(E::Flaky(attempts)), attempts, elapsed), "{cfg:?}");
    }
}

static RT_LOG: Mutex<Vec<(u32, Duration, E)>> = Mutex::new(Vec::new());

#[tokio::test(start_paused = true)]
async fn runtime_retry_if_on_retry_and_budget() {
    let retry = Retry::<E>::new(NONE.max(5).backoff(Backoff::Constant))
        .retry_if(is_transient)
        .on_retry(|a, d, e| RT_LOG.lock().unwrap().push((a, d, e.clone())))
        .named("runtime-test");
    let calls = AtomicU32::new(0);
    let r: Result<(), E> = retry
        .call(|| async {
            let n = calls.fetch_add(1, SeqCst) + 1;
            if n == 3 { Err(E::Fatal) } else { Err(E::Flaky(n)) }
        })
        .await;
    assert_eq!((r, calls.load(SeqCst)), (Err(E::Fatal), 3));
    assert_eq!(*RT_LOG.lock().unwrap(), [(1, ms(100), E::Flaky(1)), (2, ms(100), E::Flaky(2))]);

    resile::retry_budget("retry-test-runtime").reconfigure(RetryBudgetConfig::new().ratio(0.0).min_per_sec(0)).unwrap();
    let retry: Retry<E> = Retry::new(NONE.max(5)).retry_budget("retry-test-runtime");
    let calls = AtomicU32::new(0);
    let start = Instant::now();
    assert_eq!(retry.call(|| async { fail(&calls) }).await, Err(E::Flaky(1)));
    assert_eq!((calls.load(SeqCst), start.elapsed()), (1, Duration::ZERO));
    assert_eq!(resile::retry_budget("retry-test-runtime").stats().denied, 1);
}

#[test]
#[should_panic(expected = "`max` must be at least 1")]
fn runtime_retry_rejects_an_invalid_config() {
    let _ = Retry::<E>::new(RetryConfig::new().max(0));
}

#[test]
fn config_validation_matches_the_attribute_rules() {
    assert!(RetryConfig::new().validate().is_ok());
    assert!(RetryConfig::new().base_delay(ms(10_000)).validate().is_err());
    assert!(RetryConfig::new().multiplier(0.5).validate().is_err());
    assert!(RetryConfig::new().jitter(Jitter::Proportional(1.5)).validate().is_err());
    assert!(RetryConfig::new().budget(Duration::ZERO).validate().is_err());
    assert!(RetryBudgetConfig::new().ratio(-1.0).validate().is_err());
    assert!(RetryBudgetConfig::new().ttl(ms(10)).validate().is_err());
    assert_eq!(NONE.max(5).nominal_delay(4), ms(800));
}
