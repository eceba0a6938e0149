//! What sharing state across replicas needs from the runtime, without a server:
//! `CircuitBreaker::open_for` (an opening with a given length, as if tripped) and state
//! listeners, and the remote rate-limit site (`NoBackend` before a backend is installed,
//! then the backend's answers, its waits on tokio's clock).

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use resile_runtime::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
use resile_runtime::rate_limit::RateLimitConfig;
use resile_runtime::rate_limit::backend::{
    RemoteDecision, RemoteFuture, RemoteRateLimitSite, RemoteRateLimiter, RemoteRequest, install_remote, remote,
};
use resile_runtime::telemetry::{CallSpan, Free};
use resile_runtime::{Outcome, Rejection, State};

fn config() -> CircuitBreakerConfig {
    CircuitBreakerConfig::new().minimum_calls(2).window_size(2).open_timeout(Duration::from_secs(10))
}

#[test]
fn open_for_opens_for_that_long_then_half_opens() {
    let breaker = CircuitBreaker::new("remote-open", config());
    let changes = Arc::new(Mutex::new(Vec::new()));
    let seen = changes.clone();
    breaker.listen(Arc::new(move |b: &CircuitBreaker, from, to| seen.lock().unwrap().push((b.name(), from, to))));
    let at = |ms| Duration::from_millis(ms);
    assert!(breaker.open_for_at(at(100), at(3_000)));
    assert_eq!(breaker.state(), State::Open);
    assert_eq!(breaker.half_open_in_at(at(100)), Some(at(3_000)));
    assert_eq!(*changes.lock().unwrap(), [("remote-open", State::Closed, State::Open)]);
    // Open already: only lengthened, never shortened, and no change reported.
    assert!(!breaker.open_for_at(at(200), at(1_000)));
    assert_eq!(breaker.half_open_in_at(at(200)), Some(at(2_900)));
    assert!(!breaker.open_for_at(at(200), at(5_000)));
    assert_eq!(breaker.half_open_in_at(at(200)), Some(at(5_000)));
    assert_eq!(changes.lock().unwrap().len(), 1);
    assert!(breaker.try_acquire_at(at(5_199)).is_err());
    // Then half-open as usual: the probe's failure reopens as after any opening of that
    // length (times the multiplier, 1 here, and at least the breaker's own `open_timeout`).
    let probe = breaker.try_acquire_at(at(5_200)).expect("a half-open probe");
    assert_eq!(breaker.state(), State::HalfOpen);
    probe.record_at(Outcome::Failure, at(5_200));
    assert_eq!(breaker.half_open_in_at(at(5_200)), Some(at(10_000)));
}

#[test]
fn open_for_leaves_an_operator_state_alone() {
    let breaker = CircuitBreaker::new("remote-operator", config());
    breaker.disable_at(Duration::ZERO);
    assert!(!breaker.open_for_at(Duration::ZERO, Duration::from_secs(1)));
    assert_eq!(breaker.state(), State::Disabled);
    breaker.force_open_at(Duration::ZERO);
    assert!(!breaker.open_for_at(Duration::ZERO, Duration::from_secs(1)));
    assert_eq!(breaker.state(), State::ForcedOpen);
}

#[test]
fn a_tripped_breaker_tells_its_listeners_and_callbacks_run_first() {
    let breaker = CircuitBreaker::new("remote-trip", config());
    static CALLBACKS: AtomicU32 = AtomicU32::new(0);
    breaker.on_state_change(|_, _, _| {
        CALLBACKS.fetch_add(1, Ordering::SeqCst);
    });
    let opened = Arc::new(Mutex::new(None));
    let seen = opened.clone();
    breaker.listen(Arc::new(move |b: &CircuitBreaker, _, to| {
        assert_eq!(CALLBACKS.load(Ordering::SeqCst), 1, "callbacks run before listeners");
        if to == State::Open {
            *seen.lock().unwrap() = b.half_open_in_at(Duration::ZERO);
        }
    }));
    for _ in 0..2 {
        breaker.try_acquire_at(Duration::ZERO).unwrap().record_at(Outcome::Failure, Duration::ZERO);
    }
    assert_eq!(*opened.lock().unwrap(), Some(Duration::from_secs(10)));
}

/// A backend that admits the first call, makes the second wait 30 ms, refuses the third,
/// answers the fourth only after an hour, makes the fifth wait 30 ms, and refuses the rest.
#[derive(Debug, Default)]
struct Scripted {
    calls: AtomicU32,
}

/// The decisions of [`Scripted`] not yet answered or dropped.
static LIVE_DECISIONS: AtomicU32 = AtomicU32::new(0);

/// Counts one live decision until dropped.
struct Live;

impl Live {
    fn new() -> Self {
        LIVE_DECISIONS.fetch_add(1, Ordering::SeqCst);
        Live
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE_DECISIONS.fetch_sub(1, Ordering::SeqCst);
    }
}

impl RemoteRateLimiter for Scripted {
    fn backend(&self) -> &'static str {
        "scripted"
    }

    fn decide(&self, request: RemoteRequest) -> RemoteFuture<'_> {
        assert_eq!((request.name, request.config.rate), ("remote-api", 5.0));
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let live = Live::new();
        Box::pin(async move {
            let _live = live;
            match n {
                0 => RemoteDecision::Admit { after: Duration::ZERO },
                1 | 4 => RemoteDecision::Admit { after: Duration::from_millis(30) },
                3 => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    RemoteDecision::Admit { after: Duration::ZERO }
                }
                _ => RemoteDecision::Deny { retry_after: Duration::from_millis(200) },
            }
        })
    }
}

static SITE: RemoteRateLimitSite =
    RemoteRateLimitSite::new("remote_call", "remote-api", "scripted", RateLimitConfig::new(5.0));

#[tokio::test(start_paused = true)]
async fn the_remote_site_refuses_before_install_then_asks_the_backend() {
    let span = CallSpan::new();
    assert_eq!(SITE.admit(&span, Free).await, Err(Rejection::NoBackend { name: "remote-api", backend: "scripted" }));
    install_remote(Box::new(Scripted::default())).unwrap();
    assert!(install_remote(Box::new(Scripted::default())).is_err(), "once per process");
    assert!(remote("scripted").is_some() && remote("redis").is_none());
    assert_eq!(SITE.admit(&span, Free).await, Ok(()));
    let started = tokio::time::Instant::now();
    assert_eq!(SITE.admit(&span, Free).await, Ok(()));
    assert_eq!(started.elapsed(), Duration::from_millis(30), "the backend's wait, on tokio's clock");
    assert_eq!(
        SITE.admit(&span, Free).await,
        Err(Rejection::RateLimited { name: "remote-api", retry_after: Duration::from_millis(200) })
    );
    assert_eq!(LIVE_DECISIONS.load(Ordering::SeqCst), 0);

    // Cancelled while the backend decides: the decision is dropped with the call.
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut deciding = Box::pin(SITE.admit(&span, Free));
    assert!(deciding.as_mut().poll(&mut cx).is_pending());
    assert_eq!(LIVE_DECISIONS.load(Ordering::SeqCst), 1, "the decision is in flight");
    drop(deciding);
    assert_eq!(LIVE_DECISIONS.load(Ordering::SeqCst), 0, "dropped with the call");

    // Cancelled during the wait the backend asked for: nothing is left running, and the
    // next call is decided as usual (tokens taken remotely are not given back: documented).
    let mut waiting = Box::pin(SITE.admit(&span, Free));
    assert!(waiting.as_mut().poll(&mut cx).is_pending());
    assert_eq!(LIVE_DECISIONS.load(Ordering::SeqCst), 0, "decided: only the wait is left");
    tokio::time::advance(Duration::from_millis(10)).await;
    assert!(waiting.as_mut().poll(&mut cx).is_pending(), "20 ms of the wait left");
    drop(waiting);
    assert_eq!(
        SITE.admit(&span, Free).await,
        Err(Rejection::RateLimited { name: "remote-api", retry_after: Duration::from_millis(200) })
    );
    assert_eq!(LIVE_DECISIONS.load(Ordering::SeqCst), 0);
}
