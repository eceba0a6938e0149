//! `#[circuit_breaker]` through the attribute, on tokio's paused clock: the expansion reaches
//! the named, shared breaker with its configuration, classifier and callback, and a dropped
//! half-open probe gives its permit back. (The breaker itself is tested without macros in
//! `runtime/tests/circuit_breaker.rs`.)

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Waker};
use std::time::Duration;

use resile::{Outcome, Rejection, State};
use tokio::time::{advance, sleep};

#[derive(Debug, PartialEq)]
enum Error {
    Down,
    NotFound,
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn open(name: &'static str) -> Result<u32, Error> {
    Err(Error::Rejected(Rejection::CircuitOpen { name }))
}

#[resile::circuit_breaker(
    name = "attr-shared",
    window_size = 4,
    minimum_calls = 4,
    failure_rate_threshold = 0.5,
    open_timeout = "10s"
)]
async fn reads(ok: bool) -> Result<u32, Error> {
    if ok { Ok(1) } else { Err(Error::Down) }
}

#[resile::circuit_breaker(
    name = "attr-shared",
    window_size = 4,
    minimum_calls = 4,
    failure_rate_threshold = 0.5,
    open_timeout = "10s"
)]
async fn writes(ok: bool) -> Result<u32, Error> {
    if ok { Ok(2) } else { Err(Error::Down) }
}

#[tokio::test(start_paused = true)]
async fn one_name_is_one_breaker_across_functions() {
    let cb = resile::circuit_breaker("attr-shared");
    assert_eq!(reads(true).await, Ok(1));
    assert_eq!(writes(false).await, Err(Error::Down));
    assert_eq!(reads(true).await, Ok(1));
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(writes(false).await, Err(Error::Down)); // 2 of 4 failed across both functions
    assert_eq!(cb.state(), State::Open);
    assert_eq!(reads(true).await, open("attr-shared"));
    assert_eq!(writes(true).await, open("attr-shared"));
    let stats = cb.stats();
    assert_eq!((stats.total, stats.failures), (4, 2));
    advance(secs(10)).await;
    assert_eq!(writes(true).await, Ok(2)); // the half-open probe succeeds
    assert_eq!(cb.state(), State::Closed);
}

fn classify(result: &Result<u32, Error>) -> Outcome {
    match result {
        Ok(_) => Outcome::Success,
        Err(Error::NotFound) => Outcome::Ignore,
        Err(_) => Outcome::Failure,
    }
}

static TRANSITIONS: Mutex<Vec<(String, State, State)>> = Mutex::new(Vec::new());

fn on_change(name: &str, from: State, to: State) {
    TRANSITIONS.lock().unwrap().push((name.to_owned(), from, to));
}

#[resile::circuit_breaker(
    name = "attr-classified",
    window_size = 2,
    minimum_calls = 2,
    open_timeout = "5s",
    should_record = classify,
    on_state_change = on_change
)]
async fn lookup(outcome: Result<u32, Error>) -> Result<u32, Error> {
    outcome
}

#[tokio::test(start_paused = true)]
async fn should_record_and_on_state_change() {
    let cb = resile::circuit_breaker("attr-classified");
    for _ in 0..5 {
        assert_eq!(lookup(Err(Error::NotFound)).await, Err(Error::NotFound)); // ignored: never trips
    }
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(cb.stats().total, 0);
    lookup(Err(Error::Down)).await.unwrap_err();
    lookup(Err(Error::Down)).await.unwrap_err();
    assert_eq!(cb.state(), State::Open);
    advance(secs(5)).await;
    assert_eq!(lookup(Ok(3)).await, Ok(3));
    let name = "attr-classified".to_owned();
    assert_eq!(
        *TRANSITIONS.lock().unwrap(),
        [
            (name.clone(), State::Closed, State::Open),
            (name.clone(), State::Open, State::HalfOpen),
            (name, State::HalfOpen, State::Closed)
        ]
    );
}

#[resile::circuit_breaker(name = "attr-probe", window_size = 1, minimum_calls = 1, open_timeout = "1s")]
async fn slow_probe(ok: bool) -> Result<u32, Error> {
    sleep(secs(60)).await;
    if ok { Ok(1) } else { Err(Error::Down) }
}

#[resile::circuit_breaker(name = "attr-probe", window_size = 1, minimum_calls = 1, open_timeout = "1s")]
async fn fast(ok: bool) -> Result<u32, Error> {
    if ok { Ok(1) } else { Err(Error::Down) }
}

#[tokio::test(start_paused = true)]
async fn a_dropped_half_open_probe_gives_its_permit_back() {
    let cb = resile::circuit_breaker("attr-probe");
    fast(false).await.unwrap_err();
    assert_eq!(cb.state(), State::Open);
    advance(secs(1)).await;
    {
        // the single half-open probe is admitted, then dropped while pending
        let mut probe = pin!(slow_probe(true));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(probe.as_mut().poll(&mut cx).is_pending());
        assert_eq!(cb.state(), State::HalfOpen);
        assert_eq!(fast(true).await, open("attr-probe")); // no second probe while it runs
    }
    // its permit came back: the next call is the probe, and closes the breaker
    assert_eq!(fast(true).await, Ok(1));
    assert_eq!(cb.state(), State::Closed);
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "1s", jitter = "none", retry_if = not_open)]
#[resile::circuit_breaker(name = "attr-stacked", window_size = 2, minimum_calls = 2, open_timeout = "1m")]
async fn stacked(calls: &Mutex<u32>) -> Result<u32, Error> {
    *calls.lock().unwrap() += 1;
    Err(Error::Down)
}

fn not_open(e: &Error) -> bool {
    !matches!(e, Error::Rejected(Rejection::CircuitOpen { .. }))
}

#[tokio::test(start_paused = true)]
async fn retry_outside_stops_at_an_open_breaker() {
    let calls = Mutex::new(0);
    // attempts 1 and 2 reach the body and open the breaker; attempt 3 is refused, and
    // `retry_if` does not retry the refusal
    assert_eq!(stacked(&calls).await, open("attr-stacked"));
    assert_eq!(*calls.lock().unwrap(), 2);
    assert_eq!(resile::circuit_breaker("attr-stacked").state(), State::Open);
}

// ---- backoff on repeated openings -----------------------------------------------------------

#[resile::circuit_breaker(
    name = "attr-backoff",
    window_size = 1,
    minimum_calls = 1,
    open_timeout = "1s",
    open_timeout_multiplier = 2.0,
    max_open_timeout = "5s"
)]
async fn backing_off(fail: bool) -> Result<u32, Error> {
    if fail { Err(Error::Down) } else { Ok(1) }
}

/// Advances to 1 ns before `d` (the breaker still refuses), then to `d`.
async fn stays_open_for(d: Duration) {
    let handle = resile::circuit_breaker("attr-backoff");
    assert_eq!((handle.state(), handle.stats().open_duration), (State::Open, d));
    assert_eq!(Rejection::CircuitOpen { name: "attr-backoff" }.retry_after(), Some(d));
    advance(d - Duration::from_nanos(1)).await;
    assert_eq!(backing_off(false).await, open("attr-backoff"));
    advance(Duration::from_nanos(1)).await;
}

#[tokio::test(start_paused = true)]
async fn open_durations_grow_across_reopenings_up_to_the_cap_then_reset_after_a_close() {
    assert_eq!(backing_off(true).await, Err(Error::Down));
    stays_open_for(secs(1)).await;
    for d in [2, 4, 5] {
        assert_eq!(backing_off(true).await, Err(Error::Down), "the probe fails");
        stays_open_for(secs(d)).await;
    }
    assert_eq!(backing_off(false).await, Ok(1), "the probe succeeds: closed");
    assert_eq!(resile::circuit_breaker("attr-backoff").stats().open_duration, secs(1));
    assert_eq!(backing_off(true).await, Err(Error::Down));
    stays_open_for(secs(1)).await;

    // Live: a TOML section changes the growth for the next reopening.
    let applied = resile::config::apply_toml(
        "[circuit_breaker.attr-backoff]\nopen_timeout_multiplier = 3.0\nmax_open_timeout = \"1m\"\n",
    )
    .unwrap();
    assert_eq!(applied.to_string(), "circuit_breaker.attr-backoff: open_timeout_multiplier, max_open_timeout");
    assert_eq!(backing_off(true).await, Err(Error::Down));
    stays_open_for(secs(3)).await;
    let refused = resile::config::apply_toml("[circuit_breaker.attr-backoff]\nopen_timeout_multiplier = 0.5\n");
    assert_eq!(
        refused.unwrap_err().to_string(),
        "[circuit_breaker.attr-backoff] open_timeout_multiplier: `open_timeout_multiplier` must be at least 1.0, found 0.5"
    );
}
