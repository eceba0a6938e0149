//! Loom models of the circuit breaker's half-open permits and state transitions.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p resile-runtime --release --test circuit_breaker_loom
//! ```
#![cfg(loom)]

use std::sync::Mutex;
use std::time::Duration;

use loom::thread;
use resile_runtime::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
use resile_runtime::{Outcome, State};

/// State changes by breaker name (the tests run in parallel, each with its own name).
static EVENTS: Mutex<Vec<(String, State, State)>> = Mutex::new(Vec::new());

fn on_change(name: &str, from: State, to: State) {
    EVENTS.lock().unwrap().push((name.to_owned(), from, to));
}

fn take_events(name: &str) -> Vec<(State, State)> {
    let mut all = EVENTS.lock().unwrap();
    let (mine, others) = std::mem::take(&mut *all).into_iter().partition(|e| e.0 == name);
    *all = others;
    mine.into_iter().map(|(_, from, to): (String, State, State)| (from, to)).collect()
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// A breaker (window 2, trips on 2 failures) and `EVENTS` cleared. Leaked, so that
/// permits (which borrow it) can move into threads.
fn breaker(name: &'static str, probes: u32) -> &'static CircuitBreaker {
    take_events(name);
    let b = CircuitBreaker::new(
        name,
        CircuitBreakerConfig::new()
            .window_size(2)
            .minimum_calls(2)
            .open_timeout(TIMEOUT)
            .permitted_calls_in_half_open(probes),
    );
    b.on_state_change(on_change);
    Box::leak(Box::new(b))
}

fn trip(b: &CircuitBreaker) {
    for _ in 0..2 {
        b.try_acquire_at(Duration::ZERO).unwrap().record_at(Outcome::Failure, Duration::ZERO);
    }
    assert_eq!(b.state(), State::Open);
    take_events(b.name());
}

/// Two threads race for the only probe after `open_timeout`: exactly one gets it and the
/// breaker turns half-open exactly once; the winner's success closes it.
#[test]
fn one_probe_one_transition() {
    loom::model(|| {
        let b = breaker("one-probe", 1);
        trip(b);
        let handles: Vec<_> = (0..2)
            .map(|_| {
                thread::spawn(move || match b.try_acquire_at(TIMEOUT) {
                    Ok(permit) => {
                        permit.record_at(Outcome::Success, TIMEOUT);
                        true
                    }
                    Err(_) => false,
                })
            })
            .collect();
        let admitted = handles.into_iter().map(|h| h.join().unwrap()).filter(|a| *a).count();
        // The loser either found the probe taken (1 admitted) or came after the winner had
        // already closed the breaker (2 admitted).
        assert!(admitted >= 1);
        assert_eq!(b.state(), State::Closed);
        assert_eq!(take_events(b.name()), [(State::Open, State::HalfOpen), (State::HalfOpen, State::Closed)]);
    });
}

/// A cancelled probe gives its permit back whatever the interleaving: once both threads are
/// done, the next call is admitted.
#[test]
fn cancelled_probes_give_permits_back() {
    loom::model(|| {
        let b = breaker("cancelled", 1);
        trip(b);
        let handles: Vec<_> = (0..2).map(|_| thread::spawn(move || drop(b.try_acquire_at(TIMEOUT)))).collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(b.state(), State::HalfOpen);
        let permit = b.try_acquire_at(TIMEOUT).expect("a probe slot is free");
        permit.record_at(Outcome::Success, TIMEOUT);
        assert_eq!(b.state(), State::Closed);
    });
}

/// Two failures of calls admitted while closed are recorded while an operator resets the
/// breaker: the breaker trips at most once, the state changes are reported in the order
/// they happened, and an outcome admitted before the reset never lands in the fresh window.
#[test]
fn concurrent_trip_and_reset() {
    loom::model(|| {
        let b = breaker("trip-and-reset", 1);
        let permits: Vec<_> = (0..2).map(|_| b.try_acquire_at(Duration::ZERO).unwrap()).collect();
        let recorders: Vec<_> =
            permits.into_iter().map(|p| thread::spawn(move || p.record_at(Outcome::Failure, Duration::ZERO))).collect();
        let operator = thread::spawn(move || b.reset());
        for h in recorders {
            h.join().unwrap();
        }
        operator.join().unwrap();

        let events = take_events(b.name());
        assert!(
            events.is_empty() || events == [(State::Closed, State::Open), (State::Open, State::Closed)],
            "{events:?}"
        );
        let s = b.stats();
        assert_eq!((s.state, s.total, s.failures), (State::Closed, 0, 0), "{events:?}");
    });
}

/// Two closed-state writers share the one-slot ring with a trip in between: the totals
/// always match what the ring holds.
#[test]
fn ring_and_totals_agree() {
    loom::model(|| {
        let b: &'static CircuitBreaker = Box::leak(Box::new(CircuitBreaker::new(
            "loom-ring",
            CircuitBreakerConfig::new().window_size(1).minimum_calls(1).failure_rate_threshold(1.0),
        )));
        let outcomes = [Outcome::Success, Outcome::Failure];
        let handles: Vec<_> = outcomes
            .into_iter()
            .map(|o| {
                let p = b.try_acquire_at(Duration::ZERO).unwrap();
                thread::spawn(move || p.record_at(o, Duration::ZERO))
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let s = b.stats();
        // Whichever wrote last decides; a failure trips and freezes the window.
        match s.state {
            State::Open => assert_eq!((s.total, s.failures), (1, 1)),
            State::Closed => assert_eq!((s.total, s.failures), (1, 0)),
            other => panic!("unexpected {other:?}"),
        }
    });
}

/// A window full of successes: a success that skips writing (it would change nothing) races
/// a failure that is written; the totals still match the ring, and the next outcomes slide
/// the window as if the success had been written.
#[test]
fn quiet_window_and_a_failure() {
    loom::model(|| {
        let b: &'static CircuitBreaker = Box::leak(Box::new(CircuitBreaker::new(
            "loom-quiet",
            CircuitBreakerConfig::new().window_size(2).minimum_calls(2).failure_rate_threshold(1.0),
        )));
        for _ in 0..2 {
            b.try_acquire_at(Duration::ZERO).unwrap().record_at(Outcome::Success, Duration::ZERO);
        }
        let handles: Vec<_> = [Outcome::Success, Outcome::Failure]
            .into_iter()
            .map(|o| {
                let p = b.try_acquire_at(Duration::ZERO).unwrap();
                thread::spawn(move || p.record_at(o, Duration::ZERO))
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let s = b.stats();
        assert_eq!((s.state, s.total, s.failures), (State::Closed, 2, 1));
        // One more failure makes two of the last two, whichever order the race took.
        b.try_acquire_at(Duration::ZERO).unwrap().record_at(Outcome::Failure, Duration::ZERO);
        assert_eq!(b.state(), State::Open);
    });
}
