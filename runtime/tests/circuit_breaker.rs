//! Circuit breaker behaviour on tokio's paused clock, without macros.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use resile_runtime::circuit_breaker::{
    CircuitBreaker, CircuitBreakerConfig, CircuitBreakerStats, WindowKind, circuit_breaker,
};
use resile_runtime::kit::{Site, Source};
use resile_runtime::telemetry::{CallSpan, Free};
use resile_runtime::{Outcome, Policy, Rejection, State};
use tokio::sync::oneshot;
use tokio::time::{advance, sleep};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Boom,
    NotFound,
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

async fn ok(b: &CircuitBreaker) -> Result<u32, Error> {
    b.call(|| async { Ok(1) }).await
}

async fn fail(b: &CircuitBreaker) -> Result<u32, Error> {
    b.call(|| async { Err(Error::Boom) }).await
}

async fn slow(b: &CircuitBreaker, d: Duration, result: Result<u32, Error>) -> Result<u32, Error> {
    b.call(|| async move {
        sleep(d).await;
        result
    })
    .await
}

fn rejected(name: &'static str) -> Result<u32, Error> {
    Err(Error::Rejected(Rejection::CircuitOpen { name }))
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// State changes seen by [`record_event`], per breaker name.
static EVENTS: Mutex<Vec<(String, State, State)>> = Mutex::new(Vec::new());

fn record_event(name: &str, from: State, to: State) {
    EVENTS.lock().unwrap().push((name.to_owned(), from, to));
}

fn events(name: &str) -> Vec<(State, State)> {
    EVENTS.lock().unwrap().iter().filter(|e| e.0 == name).map(|e| (e.1, e.2)).collect()
}

fn counts(s: CircuitBreakerStats) -> (State, u64, u64, u64) {
    (s.state, s.total, s.failures, s.slow_calls)
}

/// Trips on 2 failures out of 2; open for 10 s.
const SMALL: CircuitBreakerConfig =
    CircuitBreakerConfig::new().window_size(2).minimum_calls(2).open_timeout(Duration::from_secs(10));

#[test]
fn defaults_match_the_spec() {
    let c = CircuitBreakerConfig::new();
    assert_eq!(c.window, WindowKind::Count);
    assert_eq!(c.window_size, 100);
    assert_eq!(c.failure_rate_threshold, 0.5);
    assert_eq!(c.slow_call_threshold, None);
    assert_eq!(c.slow_call_rate_threshold, 1.0);
    assert_eq!(c.minimum_calls, 10);
    assert_eq!(c.open_timeout, secs(60));
    assert_eq!(c.permitted_calls_in_half_open, 1);
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn invalid_settings_are_refused() {
    let c = CircuitBreakerConfig::new();
    for bad in [
        c.window_size(0),
        c.failure_rate_threshold(0.0),
        c.failure_rate_threshold(1.5),
        c.slow_call_rate_threshold(f64::NAN),
        c.slow_call_threshold(Duration::ZERO),
        c.minimum_calls(0),
        c.window_size(5).minimum_calls(6),
        c.open_timeout(Duration::ZERO),
        c.permitted_calls_in_half_open(0),
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
    assert!(c.window(WindowKind::Time).window_size(5).minimum_calls(6).validate().is_ok());
    let msg = c.minimum_calls(0).validate().unwrap_err().to_string();
    assert_eq!(msg, "`minimum_calls` must be at least 1, found 0", "the words the attribute uses");
}

#[tokio::test(start_paused = true)]
async fn trips_at_the_failure_rate_once_minimum_calls_are_recorded() {
    let b = CircuitBreaker::new("min-calls", CircuitBreakerConfig::new().window_size(10).minimum_calls(5));
    for _ in 0..4 {
        assert_eq!(fail(&b).await, Err(Error::Boom));
    }
    assert_eq!(b.state(), State::Closed, "4 failures < minimum_calls");
    assert_eq!(fail(&b).await, Err(Error::Boom));
    assert_eq!(b.state(), State::Open);
    assert_eq!(ok(&b).await, rejected("min-calls"));

    let b = CircuitBreaker::new("rate", CircuitBreakerConfig::new().window_size(10).minimum_calls(5));
    for _ in 0..3 {
        ok(&b).await.unwrap();
    }
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    assert_eq!(b.stats().failure_rate, 0.4);
    assert_eq!(b.state(), State::Closed);
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), State::Open, "3/6 = 0.5 >= 0.5");
}

#[tokio::test(start_paused = true)]
async fn open_for_open_timeout_then_half_open_on_the_next_call() {
    let b = CircuitBreaker::new("timing", SMALL);
    b.on_state_change(record_event);
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), State::Open);

    advance(secs(10) - Duration::from_nanos(1)).await;
    assert_eq!(ok(&b).await, rejected("timing"));
    advance(Duration::from_nanos(1)).await;
    assert_eq!(b.state(), State::Open, "half-open only on the next call");

    let (tx, rx) = oneshot::channel::<()>();
    let mut probe = Box::pin(b.call(|| async {
        rx.await.unwrap();
        Ok::<_, Error>(7)
    }));
    assert!(poll_once(&mut probe).is_pending());
    assert_eq!(b.state(), State::HalfOpen);
    assert_eq!(ok(&b).await, rejected("timing"), "one probe at a time");
    tx.send(()).unwrap();
    assert_eq!(probe.await, Ok(7));
    assert_eq!(b.state(), State::Closed);
    assert_eq!(counts(b.stats()), (State::Closed, 0, 0, 0), "a fresh window");
    assert_eq!(
        events("timing"),
        [(State::Closed, State::Open), (State::Open, State::HalfOpen), (State::HalfOpen, State::Closed)]
    );
}

#[tokio::test(start_paused = true)]
async fn half_open_closes_when_all_probes_succeed_and_opens_on_any_failure() {
    let cfg = SMALL.permitted_calls_in_half_open(3);
    let b = CircuitBreaker::new("probes", cfg);
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    advance(secs(10)).await;

    // Three probes at once; the fourth call is refused.
    let gates: Vec<_> = (0..3).map(|_| oneshot::channel::<bool>()).collect();
    let (txs, rxs): (Vec<_>, Vec<_>) = gates.into_iter().unzip();
    let mut probes: Vec<_> = rxs
        .into_iter()
        .map(|rx| Box::pin(b.call(|| async move { if rx.await.unwrap() { Ok(1) } else { Err(Error::Boom) } })))
        .collect();
    for p in &mut probes {
        assert!(poll_once(p).is_pending());
    }
    assert_eq!(ok(&b).await, rejected("probes"));
    let mut txs = txs.into_iter();
    txs.next().unwrap().send(true).unwrap();
    txs.next().unwrap().send(true).unwrap();
    let mut probes = probes.into_iter();
    probes.next().unwrap().await.unwrap();
    probes.next().unwrap().await.unwrap();
    assert_eq!(b.state(), State::HalfOpen, "2 of 3 probes in");
    assert_eq!(counts(b.stats()), (State::HalfOpen, 2, 0, 0));
    txs.next().unwrap().send(false).unwrap();
    probes.next().unwrap().await.unwrap_err();
    assert_eq!(b.state(), State::Open, "any failed probe opens");
    assert_eq!(counts(b.stats()), (State::Open, 3, 1, 0), "the half-open window, frozen");

    // Open again for a full open_timeout from the failed probe.
    advance(secs(10) - ms(1)).await;
    assert_eq!(ok(&b).await, rejected("probes"));
    advance(ms(1)).await;
    for _ in 0..3 {
        ok(&b).await.unwrap();
    }
    assert_eq!(b.state(), State::Closed);
}

/// The instant (since now) at which `b`, open, first admits a call: rejected 1 ns before.
async fn open_time(b: &CircuitBreaker, open_duration: Duration) {
    assert_eq!(b.state(), State::Open);
    assert_eq!(b.stats().open_duration, open_duration);
    assert_eq!(b.half_open_in(), Some(open_duration));
    assert_eq!(Rejection::CircuitOpen { name: b.name() }.retry_after(), None, "a private breaker is not registered");
    advance(open_duration - Duration::from_nanos(1)).await;
    assert!(ok(b).await.is_err(), "still open 1 ns before {open_duration:?}");
    assert_eq!(b.half_open_in(), Some(Duration::from_nanos(1)));
    advance(Duration::from_nanos(1)).await;
}

#[tokio::test(start_paused = true)]
async fn each_reopening_from_half_open_multiplies_the_open_time_up_to_the_cap_and_a_close_resets_it() {
    let cfg = CircuitBreakerConfig::new()
        .window_size(1)
        .minimum_calls(1)
        .open_timeout(secs(1))
        .open_timeout_multiplier(2.0)
        .max_open_timeout(secs(5));
    let b = CircuitBreaker::new("backoff", cfg);
    assert_eq!(b.stats().open_duration, secs(1), "closed: the next opening's");
    fail(&b).await.unwrap_err();
    open_time(&b, secs(1)).await;
    // Each failed probe reopens for twice as long: 2 s, 4 s, then the 5 s cap, and stays there.
    for open_duration in [secs(2), secs(4), secs(5), secs(5)] {
        fail(&b).await.unwrap_err();
        open_time(&b, open_duration).await;
        assert_eq!(b.state(), State::Open, "half-open on the next call");
    }
    // A successful probe closes: the next opening is `open_timeout` again.
    ok(&b).await.unwrap();
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.stats().open_duration, secs(1));
    fail(&b).await.unwrap_err();
    open_time(&b, secs(1)).await;
    fail(&b).await.unwrap_err();
    open_time(&b, secs(2)).await;
    // An operator's reset closes too.
    b.reset();
    fail(&b).await.unwrap_err();
    open_time(&b, secs(1)).await;
}

#[tokio::test(start_paused = true)]
async fn a_fractional_multiplier_rounds_to_the_nearest_nanosecond() {
    let cfg = CircuitBreakerConfig::new()
        .window_size(1)
        .minimum_calls(1)
        .open_timeout(Duration::from_nanos(1_000_000_001))
        .open_timeout_multiplier(1.5)
        .max_open_timeout(secs(60));
    let b = CircuitBreaker::new("backoff-fraction", cfg);
    fail(&b).await.unwrap_err();
    open_time(&b, Duration::from_nanos(1_000_000_001)).await;
    fail(&b).await.unwrap_err();
    // 1 500 000 001.5 ns, to the nearest (even rounding aside, `f64::round` is half away from zero).
    open_time(&b, Duration::from_nanos(1_500_000_002)).await;
}

#[tokio::test(start_paused = true)]
async fn reconfiguring_keeps_the_current_opening_and_the_next_reopening_follows_the_new_settings() {
    let cfg = CircuitBreakerConfig::new()
        .window_size(1)
        .minimum_calls(1)
        .open_timeout(secs(1))
        .open_timeout_multiplier(2.0)
        .max_open_timeout(secs(60));
    let b = CircuitBreaker::new("backoff-live", cfg);
    fail(&b).await.unwrap_err();
    open_time(&b, secs(1)).await;
    fail(&b).await.unwrap_err();
    b.reconfigure(cfg.open_timeout_multiplier(3.0)).unwrap();
    open_time(&b, secs(2)).await;
    fail(&b).await.unwrap_err();
    open_time(&b, secs(6)).await;
    assert!(b.reconfigure(cfg.max_open_timeout(ms(999))).is_err(), "below open_timeout");
    assert_eq!(b.config().max_open_timeout, Some(secs(60)), "the last good settings stay");
}

#[tokio::test(start_paused = true)]
async fn count_window_slides() {
    // Trip at 75 % of the last 4 calls.
    let b = CircuitBreaker::new(
        "count-window",
        CircuitBreakerConfig::new().window_size(4).minimum_calls(4).failure_rate_threshold(0.75),
    );
    for r in [false, false, true, true, false, false] {
        let _ = if r { ok(&b).await } else { fail(&b).await };
        assert_eq!(b.state(), State::Closed);
    }
    assert_eq!(counts(b.stats()), (State::Closed, 4, 2, 0), "t t f f of the last four");
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), State::Open, "t f f f");
}

/// A window full of successes records further successes without writing them (they would
/// change nothing); a failure that follows still counts for exactly `window_size` calls, as
/// if every success had been written.
#[tokio::test(start_paused = true)]
async fn a_failure_after_a_run_of_successes_counts_for_exactly_the_window() {
    let b = CircuitBreaker::new(
        "quiet-window",
        CircuitBreakerConfig::new().window_size(4).minimum_calls(4).failure_rate_threshold(0.5),
    );
    for _ in 0..1000 {
        ok(&b).await.unwrap();
    }
    assert_eq!(counts(b.stats()), (State::Closed, 4, 0, 0));
    fail(&b).await.unwrap_err();
    for _ in 0..4 {
        assert_eq!(counts(b.stats()), (State::Closed, 4, 1, 0));
        ok(&b).await.unwrap();
    }
    assert_eq!(counts(b.stats()), (State::Closed, 4, 0, 0), "evicted by the fourth call after it");
    // Two failures among the last four trip it, however many successes came before.
    for _ in 0..1000 {
        ok(&b).await.unwrap();
    }
    fail(&b).await.unwrap_err();
    ok(&b).await.unwrap();
    ok(&b).await.unwrap();
    assert_eq!(b.state(), State::Closed);
    fail(&b).await.unwrap_err();
    assert_eq!(counts(b.stats()).0, State::Open, "f t t f");
}

#[tokio::test(start_paused = true)]
async fn time_window_expires_by_second() {
    let b = CircuitBreaker::new(
        "time-window",
        CircuitBreakerConfig::new().window(WindowKind::Time).window_size(10).minimum_calls(3),
    );
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    advance(secs(10) - ms(1)).await;
    assert_eq!(counts(b.stats()), (State::Closed, 2, 2, 0));
    advance(ms(1)).await;
    assert_eq!(counts(b.stats()), (State::Closed, 0, 0, 0), "second 0 left the window at 10 s");
    fail(&b).await.unwrap_err();
    ok(&b).await.unwrap();
    ok(&b).await.unwrap();
    assert_eq!(b.state(), State::Closed, "1 of 3, not 3 of 5");
    advance(secs(5)).await;
    fail(&b).await.unwrap_err();
    assert_eq!(counts(b.stats()), (State::Open, 4, 2, 0), "2 of 4");
}

#[tokio::test(start_paused = true)]
async fn slow_calls_trip_and_count_successes_and_failures() {
    let cfg = CircuitBreakerConfig::new()
        .window_size(4)
        .minimum_calls(4)
        .slow_call_threshold(ms(100))
        .slow_call_rate_threshold(0.5)
        .failure_rate_threshold(1.0);
    let b = CircuitBreaker::new("slow", cfg);
    slow(&b, ms(100), Ok(1)).await.unwrap(); // exactly the threshold: not slow
    ok(&b).await.unwrap();
    slow(&b, ms(101), Err(Error::Boom)).await.unwrap_err();
    assert_eq!(counts(b.stats()), (State::Closed, 3, 1, 1));
    slow(&b, ms(250), Ok(1)).await.unwrap();
    assert_eq!(counts(b.stats()), (State::Open, 4, 1, 2));
    assert_eq!(b.stats().slow_call_rate, 0.5);
}

#[tokio::test(start_paused = true)]
async fn a_slow_probe_reopens_when_the_probes_slow_rate_reaches_the_threshold() {
    let cfg = SMALL.slow_call_threshold(ms(100));
    let b = CircuitBreaker::new("slow-probe", cfg);
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    advance(secs(10)).await;
    slow(&b, ms(150), Ok(1)).await.unwrap();
    assert_eq!(b.state(), State::Open);
    advance(secs(10)).await;
    slow(&b, ms(50), Ok(1)).await.unwrap();
    assert_eq!(b.state(), State::Closed);
}

fn not_found_is_ignored(r: &Result<u32, Error>) -> Outcome {
    match r {
        Ok(_) => Outcome::Success,
        Err(Error::NotFound) => Outcome::Ignore,
        Err(_) => Outcome::Failure,
    }
}

#[tokio::test(start_paused = true)]
async fn ignored_outcomes_are_not_recorded() {
    let b = CircuitBreaker::new("ignore", SMALL);
    for _ in 0..5 {
        let r = b.call_with(not_found_is_ignored, || async { Err(Error::NotFound) }).await;
        assert_eq!(r, Err(Error::NotFound));
    }
    assert_eq!(counts(b.stats()), (State::Closed, 0, 0, 0));
    b.call_with(not_found_is_ignored, || async { Err(Error::Boom) }).await.unwrap_err();
    b.call_with(not_found_is_ignored, || async { Err(Error::Boom) }).await.unwrap_err();
    assert_eq!(b.state(), State::Open);

    // An ignored probe gives its slot back: the next call probes.
    advance(secs(10)).await;
    b.call_with(not_found_is_ignored, || async { Err(Error::NotFound) }).await.unwrap_err();
    assert_eq!(b.state(), State::HalfOpen);
    ok(&b).await.unwrap();
    assert_eq!(b.state(), State::Closed);
}

#[tokio::test(start_paused = true)]
async fn operator_states_hold_until_force_close_or_reset() {
    let b = CircuitBreaker::new("operator", SMALL.failure_rate_threshold(1.0));
    b.on_state_change(record_event);
    ok(&b).await.unwrap();
    fail(&b).await.unwrap_err();
    b.force_open();
    assert_eq!(ok(&b).await, rejected("operator"));
    advance(secs(3600)).await;
    assert_eq!(ok(&b).await, rejected("operator"), "no open_timeout for ForcedOpen");
    assert_eq!(counts(b.stats()), (State::ForcedOpen, 2, 1, 0), "window frozen");
    b.force_close();
    assert_eq!(counts(b.stats()), (State::Closed, 0, 0, 0));

    b.disable();
    for _ in 0..10 {
        fail(&b).await.unwrap_err();
    }
    assert_eq!(counts(b.stats()), (State::Disabled, 0, 0, 0), "records nothing");
    b.disable(); // no-op
    b.reset();
    assert_eq!(b.state(), State::Closed);
    fail(&b).await.unwrap_err();
    b.reset();
    assert_eq!(counts(b.stats()), (State::Closed, 0, 0, 0), "reset starts a fresh window");
    assert_eq!(
        events("operator"),
        [
            (State::Closed, State::ForcedOpen),
            (State::ForcedOpen, State::Closed),
            (State::Closed, State::Disabled),
            (State::Disabled, State::Closed),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn stats_show_why_it_opened() {
    let b = CircuitBreaker::new("why", CircuitBreakerConfig::new().window_size(10).minimum_calls(4));
    for r in [true, false, true, false] {
        let _ = if r { ok(&b).await } else { fail(&b).await };
    }
    let s = b.stats();
    assert_eq!(
        s,
        CircuitBreakerStats {
            state: State::Open,
            total: 4,
            failures: 2,
            slow_calls: 0,
            failure_rate: 0.5,
            slow_call_rate: 0.0,
            open_duration: secs(60),
        }
    );
    advance(secs(3600)).await;
    assert_eq!(b.stats(), s, "frozen while open");
}

#[tokio::test(start_paused = true)]
async fn a_call_admitted_before_a_transition_is_not_recorded_after_it() {
    let b = CircuitBreaker::new("generation", SMALL.window_size(4));
    b.on_state_change(record_event);
    let (tx, rx) = oneshot::channel::<()>();
    let mut late = Box::pin(b.call(|| async {
        rx.await.unwrap();
        Err::<u32, _>(Error::Boom)
    }));
    assert!(poll_once(&mut late).is_pending());
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), State::Open);
    tx.send(()).unwrap();
    late.await.unwrap_err();
    assert_eq!(counts(b.stats()), (State::Open, 2, 2, 0), "not recorded after opening");
    assert_eq!(events("generation"), [(State::Closed, State::Open)], "no second event");

    // Admitted, then reset: the fresh window does not see it.
    b.reset();
    let (tx, rx) = oneshot::channel::<()>();
    let mut late = Box::pin(b.call(|| async {
        rx.await.unwrap();
        Err::<u32, _>(Error::Boom)
    }));
    assert!(poll_once(&mut late).is_pending());
    b.reset();
    fail(&b).await.unwrap_err();
    tx.send(()).unwrap();
    late.await.unwrap_err();
    assert_eq!(counts(b.stats()), (State::Closed, 1, 1, 0));
    assert_eq!(b.state(), State::Closed, "one failure, not two");
}

#[tokio::test(start_paused = true)]
async fn a_dropped_probe_gives_its_permit_back() {
    let b = CircuitBreaker::new("cancel", SMALL);
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    advance(secs(10)).await;
    let mut probe = Box::pin(b.call(std::future::pending::<Result<u32, Error>>));
    assert!(poll_once(&mut probe).is_pending());
    assert_eq!(ok(&b).await, rejected("cancel"));
    drop(probe);
    assert_eq!(b.state(), State::HalfOpen);
    assert_eq!(ok(&b).await, Ok(1), "the next call is the probe");
    assert_eq!(b.state(), State::Closed);
}

fn panicking_callback(_: &str, _: State, _: State) {
    panic!("callback bug");
}

fn panicking_classifier(_: &Result<u32, Error>) -> Outcome {
    panic!("classifier bug");
}

#[tokio::test(start_paused = true)]
async fn panics_in_callbacks_do_not_wedge_the_breaker() {
    use futures::FutureExt;

    let b = CircuitBreaker::new("panics", SMALL);
    b.on_state_change(panicking_callback);
    b.on_state_change(record_event);
    fail(&b).await.unwrap_err();
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), State::Open);
    assert_eq!(events("panics"), [(State::Closed, State::Open)], "later callbacks still run");

    advance(secs(10)).await;
    let probe = std::panic::AssertUnwindSafe(b.call_with(panicking_classifier, || async { Ok(1) }));
    assert!(probe.catch_unwind().await.is_err());
    assert_eq!(b.state(), State::HalfOpen);
    assert_eq!(ok(&b).await, Ok(1), "the panicked probe gave its permit back");
    assert_eq!(b.state(), State::Closed);
    ok(&b).await.unwrap();
}

static SITE_A: Site<CircuitBreaker> =
    Site::declaring("tests::a", "shared-db", SMALL).on_resolve(|b| b.on_state_change(record_event));
static SITE_B: Site<CircuitBreaker> = Site::declaring("tests::b", "shared-db", SMALL);

/// A call through a call site, as the `#[circuit_breaker]` expansion makes it.
async fn through_site<T>(site: &Site<CircuitBreaker>, fut: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    let span = CallSpan::new();
    let permit = site.admit();
    if permit.admitted() {
        let result = fut.await;
        permit.record(Outcome::of(&result));
        result
    } else {
        Err(site.rejected(permit, &span, Free).into())
    }
}

#[tokio::test(start_paused = true)]
async fn one_name_is_one_breaker_across_sites() {
    let handle = circuit_breaker("shared-db");
    assert_eq!(handle.state(), State::Closed);
    assert!(through_site(&SITE_A, async { Err::<u32, _>(Error::Boom) }).await.is_err());
    assert!(through_site(&SITE_B, async { Err::<u32, _>(Error::Boom) }).await.is_err());
    assert!(std::ptr::eq(SITE_A.get(), SITE_B.get()));
    assert_eq!(through_site(&SITE_B, async { Ok::<u32, Error>(1) }).await, rejected("shared-db"));
    assert_eq!(handle.state(), State::Open);
    assert_eq!(handle.stats().failures, 2);
    handle.reset();
    assert_eq!(through_site(&SITE_A, async { Ok::<u32, Error>(1) }).await, Ok(1));
    assert_eq!(events("shared-db"), [(State::Closed, State::Open), (State::Open, State::Closed)]);
    assert_eq!(handle.source(), Some(Source::Declared));
}

#[test]
fn an_undeclared_name_reads_closed_and_is_not_fixed_by_a_lookup() {
    let handle = circuit_breaker("looked-up-early");
    assert_eq!(handle.state(), State::Closed);
    assert_eq!(handle.stats(), CircuitBreakerStats::EMPTY);
    assert_eq!(handle.config(), None);
    assert_eq!(handle.source(), None);
    let b = CircuitBreaker::named("looked-up-early", SMALL);
    assert_eq!(handle.config(), Some(SMALL));
    assert!(std::ptr::eq(handle.get().unwrap(), b));
}

static REFERENCE: Site<CircuitBreaker> = Site::reference("tests::reference", "declared-late");
static DECLARATION: Site<CircuitBreaker> = Site::declaring("tests::declaration", "declared-late", SMALL);

#[tokio::test(start_paused = true)]
async fn a_reference_declares_nothing_and_a_later_declaration_is_put_in_force() {
    let handle = circuit_breaker("declared-late");
    through_site(&REFERENCE, async { Ok::<u32, Error>(1) }).await.unwrap();
    assert_eq!(handle.config(), Some(CircuitBreakerConfig::new()), "the defaults until a declaration is seen");
    assert_eq!(handle.source(), Some(Source::Default));
    through_site(&DECLARATION, async { Ok::<u32, Error>(1) }).await.unwrap();
    assert_eq!(handle.config(), Some(SMALL));
    assert_eq!(handle.source(), Some(Source::Declared));
    assert!(std::ptr::eq(REFERENCE.get(), DECLARATION.get()));
    // The declared window (2 calls, trip at 1) now applies to calls through either site.
    fail_through(&REFERENCE).await;
    fail_through(&DECLARATION).await;
    assert_eq!(handle.state(), State::Open);
}

async fn fail_through(site: &Site<CircuitBreaker>) {
    through_site(site, async { Err::<u32, _>(Error::Boom) }).await.unwrap_err();
}

/// Captures the `resile` events of at least `level` on this thread.
struct Capture(Arc<Mutex<Vec<String>>>, tracing::Level);

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Text<'a>(&'a mut String);
        impl tracing::field::Visit for Text<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={value:?} ", field.name()));
            }
        }
        let m = event.metadata();
        if m.target() == "resile" && *m.level() <= self.1 {
            let mut s = String::new();
            event.record(&mut Text(&mut s));
            self.0.lock().unwrap().push(s);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

static FIRST: Site<CircuitBreaker> = Site::declaring("tests::first", "conflict", SMALL);
static SECOND: Site<CircuitBreaker> = Site::declaring("tests::second", "conflict", SMALL.window_size(50));
static THIRD: Site<CircuitBreaker> = Site::declaring("tests::third", "conflict", SMALL);

#[test]
fn a_second_different_declaration_is_an_error_event_and_panics_in_debug_builds() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    tracing::subscriber::with_default(Capture(seen.clone(), tracing::Level::ERROR), || {
        let first = FIRST.get();
        let second = std::panic::catch_unwind(|| SECOND.get());
        assert_eq!(second.is_err(), cfg!(debug_assertions), "panics in debug builds only");
        if let Ok(second) = second {
            assert!(std::ptr::eq(second, first));
        }
        assert!(std::ptr::eq(THIRD.get(), first), "an equal declaration is no conflict");
    });
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains("declared twice with different settings"), "{}", seen[0]);
    assert!(seen[0].contains("tests::first") && seen[0].contains("tests::second"), "{}", seen[0]);
    assert!(seen[0].contains("window_size: 50") && seen[0].contains("window_size: 2"), "{}", seen[0]);
    assert_eq!(circuit_breaker("conflict").config(), Some(SMALL), "the first declaration stays");
}

static LIVE_LATER_DECLARED: Site<CircuitBreaker> = Site::declaring("tests::live", "live-first", SMALL);

#[test]
fn live_settings_win_over_a_declaration_and_bad_ones_are_refused() {
    let handle = circuit_breaker("live-first");
    let live = CircuitBreakerConfig::new().window_size(7).minimum_calls(7);
    handle.reconfigure(live).unwrap();
    assert_eq!(handle.source(), Some(Source::Live));
    let _ = LIVE_LATER_DECLARED.get();
    assert_eq!(handle.config(), Some(live), "a declaration does not override live settings");
    let err = handle.reconfigure(CircuitBreakerConfig::new().failure_rate_threshold(1.5)).unwrap_err();
    assert!(err.to_string().contains("failure_rate_threshold"), "{err}");
    assert_eq!(handle.config(), Some(live), "the last good settings stay");
}

#[tokio::test(start_paused = true)]
async fn reconfiguring_is_a_transition_calls_admitted_before_are_not_recorded() {
    let b = CircuitBreaker::new("reconfigured", SMALL);
    let permit = b.try_acquire().unwrap();
    b.reconfigure(SMALL.window_size(3).minimum_calls(3)).unwrap();
    permit.record(Outcome::Failure);
    assert_eq!(b.stats().total, 0, "admitted before the reconfiguration");
    for _ in 0..2 {
        fail(&b).await.unwrap_err();
    }
    assert_eq!(b.state(), State::Closed, "three calls now");
    fail(&b).await.unwrap_err();
    assert_eq!(b.state(), State::Open);
    assert_eq!(b.config().window_size, 3);
}

#[tokio::test(start_paused = true)]
async fn works_as_a_policy() {
    async fn through<P: Policy<Error>>(p: &P) -> Result<u32, Error> {
        p.call(|| async { Ok(3) }).await
    }
    let b = CircuitBreaker::new("policy", SMALL);
    assert_eq!(through(&b).await, Ok(3));
    b.force_open();
    assert_eq!(through(&b).await, rejected("policy"));
}

/// 8 tasks × 10 000 calls on 4 threads: every outcome is counted exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_outcomes_are_all_counted() {
    const TASKS: u64 = 8;
    const CALLS: u64 = 10_000;
    let cfgs = [
        ("mt-count", CircuitBreakerConfig::new().window_size(1_000_000)),
        ("mt-time", CircuitBreakerConfig::new().window(WindowKind::Time).window_size(3600)),
        ("mt-ring", CircuitBreakerConfig::new().window_size(64)),
    ];
    for (name, cfg) in cfgs {
        let b = CircuitBreaker::named(name, cfg);
        let tasks: Vec<_> = (0..TASKS)
            .map(|t| {
                tokio::spawn(async move {
                    for i in 0..CALLS {
                        let r =
                            b.call(|| async move { if (i + t) % 10 == 0 { Err(Error::Boom) } else { Ok(i) } }).await;
                        assert!(!matches!(r, Err(Error::Rejected(_))), "{name} opened");
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let s = b.stats();
        if name == "mt-ring" {
            // Whatever order the slots were written in, the totals agree with the ring:
            // 64 successes in a row leave exactly 64 successes.
            for _ in 0..64 {
                ok(b).await.unwrap();
            }
            assert_eq!(counts(b.stats()), (State::Closed, 64, 0, 0), "{name}: {s:?}");
        } else {
            assert_eq!(counts(s), (State::Closed, TASKS * CALLS, TASKS * CALLS / 10, 0), "{name}");
        }
    }
}

mod model {
    //! A reference model, written plainly: the window is a `Vec` of outcomes.

    use super::*;

    #[derive(Debug, Clone, Copy)]
    pub(super) struct Entry {
        second: u64,
        failure: bool,
        slow: bool,
    }

    #[derive(Debug)]
    pub(super) struct Model {
        pub(super) cfg: CircuitBreakerConfig,
        pub(super) state: State,
        window: Vec<Entry>,
        open_until: Duration,
        /// The current or last opening's length since the last close; zero if none.
        open_for: Duration,
        probes_admitted: u32,
        probes_done: u32,
        pub(super) events: Vec<(State, State)>,
    }

    impl Model {
        pub(super) fn new(cfg: CircuitBreakerConfig) -> Self {
            Model {
                cfg,
                state: State::Closed,
                window: Vec::new(),
                open_until: Duration::ZERO,
                open_for: Duration::ZERO,
                probes_admitted: 0,
                probes_done: 0,
                events: Vec::new(),
            }
        }

        fn go(&mut self, to: State, now: Duration) {
            if matches!(to, State::Closed | State::HalfOpen) {
                self.window.clear();
                self.probes_admitted = 0;
                self.probes_done = 0;
            }
            if to == State::Open {
                // A failed probe multiplies the last opening, up to the cap: computed here
                // without `next_open_timeout`, from the keys' meaning.
                self.open_for = if self.state == State::HalfOpen && !self.open_for.is_zero() {
                    let cap = self.cfg.max_open_timeout.unwrap_or(self.cfg.open_timeout);
                    let product = self.open_for.as_nanos() as f64 * self.cfg.open_timeout_multiplier;
                    if product >= cap.as_nanos() as f64 { cap } else { Duration::from_nanos(product.round() as u64) }
                } else {
                    self.cfg.open_timeout
                };
                self.open_until = now + self.open_for;
            }
            if to == State::Closed {
                self.open_for = Duration::ZERO;
            }
            if self.state != to {
                self.events.push((self.state, to));
            }
            self.state = to;
        }

        /// `Some(is_probe)` if admitted.
        pub(super) fn admit(&mut self, now: Duration) -> Option<bool> {
            if self.state == State::Open && now >= self.open_until {
                self.go(State::HalfOpen, now);
            }
            match self.state {
                State::Closed | State::Disabled => Some(false),
                State::HalfOpen if self.probes_admitted < self.cfg.permitted_calls_in_half_open => {
                    self.probes_admitted += 1;
                    Some(true)
                }
                _ => None,
            }
        }

        pub(super) fn cancel(&mut self, probe: bool) {
            if probe {
                self.probes_admitted -= 1;
            }
        }

        fn live(&self, now: Duration) -> Vec<Entry> {
            let mut w = self.window.clone();
            if self.cfg.window == WindowKind::Time && self.state == State::Closed {
                let n = u64::from(self.cfg.window_size);
                let newest = w.iter().map(|e| e.second).max().unwrap_or(0).max(now.as_secs());
                w.retain(|e| e.second + n > newest);
            }
            w
        }

        pub(super) fn record(&mut self, probe: bool, outcome: Outcome, start: Duration, end: Duration) {
            if self.state == State::Disabled || outcome == Outcome::Ignore {
                self.cancel(probe);
                return;
            }
            let slow = self.cfg.slow_call_threshold.is_some_and(|t| end - start > t);
            let failure = outcome == Outcome::Failure;
            self.window.push(Entry { second: end.as_secs(), failure, slow });
            let cfg = self.cfg;
            if probe {
                self.probes_done += 1;
                let w = &self.window;
                if failure {
                    self.go(State::Open, end);
                } else if self.probes_done == cfg.permitted_calls_in_half_open {
                    let slow_rate = w.iter().filter(|e| e.slow).count() as f64 / w.len() as f64;
                    let to = if cfg.slow_call_threshold.is_some() && slow_rate >= cfg.slow_call_rate_threshold {
                        State::Open
                    } else {
                        State::Closed
                    };
                    self.go(to, end);
                }
                return;
            }
            if cfg.window == WindowKind::Count && self.window.len() > cfg.window_size as usize {
                self.window.remove(0);
            }
            self.window = self.live(end);
            let w = &self.window;
            let total = w.len() as f64;
            let failure_rate = w.iter().filter(|e| e.failure).count() as f64 / total;
            let slow_rate = w.iter().filter(|e| e.slow).count() as f64 / total;
            if w.len() >= cfg.minimum_calls as usize
                && (failure_rate >= cfg.failure_rate_threshold
                    || (cfg.slow_call_threshold.is_some() && slow_rate >= cfg.slow_call_rate_threshold))
            {
                self.go(State::Open, end);
            }
        }

        pub(super) fn operate(&mut self, to: State, now: Duration) {
            if self.state == to && to != State::Closed {
                return;
            }
            self.window = self.live(now);
            self.go(to, now);
        }

        pub(super) fn stats(&self, now: Duration) -> (State, u64, u64, u64) {
            let w = self.live(now);
            let n = |f: fn(&Entry) -> bool| w.iter().filter(|e| f(e)).count() as u64;
            (self.state, w.len() as u64, n(|e| e.failure), n(|e| e.slow))
        }

        /// What `stats().open_duration` shows.
        pub(super) fn open_duration(&self) -> Duration {
            if self.open_for.is_zero() { self.cfg.open_timeout } else { self.open_for }
        }
    }
}

mod prop {
    use proptest::prelude::*;
    use proptest::{collection, option};

    use super::model::Model;
    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Call { outcome: Outcome, latency_ms: u64 },
        Cancel,
        Wait { ms: u64 },
        ForceOpen,
        Disable,
        Reset,
    }

    fn op() -> impl Strategy<Value = Op> {
        let outcome = prop_oneof![4 => Just(Outcome::Success), 4 => Just(Outcome::Failure), 1 => Just(Outcome::Ignore)];
        prop_oneof![
            20 => (outcome, prop_oneof![3 => 0..100u64, 1 => 50..400u64])
                .prop_map(|(outcome, latency_ms)| Op::Call { outcome, latency_ms }),
            2 => Just(Op::Cancel),
            6 => prop_oneof![0..1500u64, 0..12_000u64].prop_map(|ms| Op::Wait { ms }),
            1 => Just(Op::ForceOpen),
            1 => Just(Op::Disable),
            1 => Just(Op::Reset),
        ]
    }

    fn config() -> impl Strategy<Value = CircuitBreakerConfig> {
        (
            any::<bool>(),
            1..8u32,
            prop_oneof![Just(0.25), Just(0.5), Just(1.0)],
            option::of(Just(ms(100))),
            prop_oneof![Just(0.5), Just(1.0)],
            1..8u32,
            1..4u64,
            1..4u32,
            (prop_oneof![Just(1.0), Just(1.5), Just(2.0), Just(3.0)], option::of(0..5u64)),
        )
            .prop_map(|(time, size, fr, slow, sr, min, open_s, probes, (multiplier, max_extra_s))| {
                let window = if time { WindowKind::Time } else { WindowKind::Count };
                let mut c = CircuitBreakerConfig::new()
                    .window(window)
                    .window_size(size)
                    .failure_rate_threshold(fr)
                    .slow_call_rate_threshold(sr)
                    .minimum_calls(if time { min } else { min.min(size) })
                    .open_timeout(secs(open_s))
                    .permitted_calls_in_half_open(probes)
                    .open_timeout_multiplier(multiplier);
                c.slow_call_threshold = slow;
                c.max_open_timeout = max_extra_s.map(|extra| secs(open_s + extra));
                c
            })
    }

    static CASE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn the_breaker_agrees_with_a_plain_model(cfg in config(), ops in collection::vec(op(), 1..120)) {
            let n = CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let name: &'static str = Box::leak(format!("prop-{n}").into_boxed_str());
            let b = CircuitBreaker::new(name, cfg);
            b.on_state_change(record_event);
            let mut m = Model::new(cfg);
            let mut now = Duration::ZERO;
            for (i, op) in ops.iter().enumerate() {
                match *op {
                    Op::Call { outcome, latency_ms } => {
                        let permit = b.try_acquire_at(now);
                        let admitted = m.admit(now);
                        prop_assert_eq!(permit.is_ok(), admitted.is_some(), "op {} {:?} at {:?}", i, op, now);
                        let start = now;
                        now += ms(latency_ms);
                        if let (Ok(p), Some(probe)) = (permit, admitted) {
                            p.record_at(outcome, now);
                            m.record(probe, outcome, start, now);
                        }
                    }
                    Op::Cancel => {
                        let permit = b.try_acquire_at(now);
                        let admitted = m.admit(now);
                        prop_assert_eq!(permit.is_ok(), admitted.is_some());
                        drop(permit);
                        if let Some(probe) = admitted {
                            m.cancel(probe);
                        }
                    }
                    Op::Wait { ms: w } => now += ms(w),
                    Op::ForceOpen => {
                        b.force_open_at(now);
                        m.operate(State::ForcedOpen, now);
                    }
                    Op::Disable => {
                        b.disable_at(now);
                        m.operate(State::Disabled, now);
                    }
                    Op::Reset => {
                        b.reset();
                        m.operate(State::Closed, now);
                    }
                }
                prop_assert_eq!(b.state(), m.state, "op {} {:?} at {:?}", i, op, now);
                prop_assert_eq!(counts(b.stats_at(now)), m.stats(now), "op {} {:?} at {:?}", i, op, now);
                prop_assert_eq!(b.stats_at(now).open_duration, m.open_duration(), "op {} {:?} at {:?}", i, op, now);
            }
            prop_assert_eq!(events(name), m.events.clone());
        }
    }
}

fn disable_when_opened(name: &str, _: State, to: State) {
    record_event(name, State::Closed, to);
    if to == State::Open {
        circuit_breaker(name).disable();
    }
}

#[tokio::test(start_paused = true)]
async fn a_callback_may_change_the_state_and_events_stay_in_order() {
    let b = CircuitBreaker::named("reentrant", SMALL);
    b.on_state_change(disable_when_opened);
    fail(b).await.unwrap_err();
    fail(b).await.unwrap_err();
    assert_eq!(b.state(), State::Disabled);
    let to: Vec<_> = events("reentrant").into_iter().map(|e| e.1).collect();
    assert_eq!(to, [State::Open, State::Disabled]);
}

#[tokio::test(start_paused = true)]
async fn a_permit_from_before_a_reconfiguration_claims_no_slot() {
    let cfg = CircuitBreakerConfig::new().window_size(4).minimum_calls(4).failure_rate_threshold(1.0);
    let b = CircuitBreaker::new("stale-reconfigured", cfg);
    let stale = b.try_acquire().unwrap();
    b.reconfigure(cfg.open_timeout(secs(5))).unwrap(); // the same window: the ring is reused
    for o in [Outcome::Success, Outcome::Success, Outcome::Success, Outcome::Failure] {
        b.try_acquire().unwrap().record(o);
    }
    stale.record(Outcome::Failure);
    for _ in 0..3 {
        b.try_acquire().unwrap().record(Outcome::Failure);
    }
    let s = b.stats();
    assert_eq!((b.state(), s.total, s.failures), (State::Open, 4, 4), "the last four calls failed: {s:?}");
}

#[tokio::test(start_paused = true)]
async fn a_permit_from_before_open_half_open_closed_claims_no_slot() {
    let cfg =
        CircuitBreakerConfig::new().window_size(2).minimum_calls(2).failure_rate_threshold(1.0).open_timeout(ms(10));
    let b = CircuitBreaker::new("stale-cycle", cfg);
    let slow = b.try_acquire().unwrap();
    b.try_acquire().unwrap().record(Outcome::Failure);
    b.try_acquire().unwrap().record(Outcome::Failure);
    assert_eq!(b.state(), State::Open);
    advance(ms(11)).await;
    b.try_acquire().unwrap().record(Outcome::Success); // the probe closes it
    b.try_acquire().unwrap().record(Outcome::Failure);
    b.try_acquire().unwrap().record(Outcome::Success);
    slow.record(Outcome::Success); // admitted three transitions ago
    b.try_acquire().unwrap().record(Outcome::Failure);
    let s = b.stats();
    assert_eq!((s.total, s.failures), (2, 1), "the last two calls: S, F: {s:?}");
    b.try_acquire().unwrap().record(Outcome::Failure);
    assert_eq!(b.state(), State::Open, "the last two calls: F, F");
}

#[test]
fn reconfiguring_a_plain_breaker_refuses_invalid_settings() {
    let b = CircuitBreaker::new("plain-reconfigure", SMALL);
    let err = b.reconfigure(SMALL.permitted_calls_in_half_open(0)).unwrap_err();
    assert_eq!(err.key(), "permitted_calls_in_half_open");
    assert_eq!(b.config(), SMALL);
}
