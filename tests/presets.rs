//! `resile::presets` through `#[retry(policy = ..)]`, on tokio's paused clock: each preset's
//! exact attempts and delays (the jitter's random draws are replayed from a seeded
//! generator), and the transient/permanent classification as `retry_if`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use resile::presets::{self, AGGRESSIVE, DISABLED, PRODUCTION, Transient};
use resile::{Rejection, RetryPolicy};
use resile_config::duration::mul_fraction;
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum E {
    Status(u16),
    Rejected(Rejection),
}

impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}

impl Transient for E {
    fn is_transient(&self) -> bool {
        match self {
            E::Status(code) => presets::is_transient_status(*code),
            E::Rejected(r) => r.is_transient(),
        }
    }
}

/// The delays handed to `on_retry`, per test.
static DELAYS: [Mutex<Vec<Duration>>; 4] = [const { Mutex::new(Vec::new()) }; 4];

fn record<const SLOT: usize>(_attempt: u32, delay: Duration, _e: &E) {
    DELAYS[SLOT].lock().unwrap().push(delay);
}

#[resile::retry(policy = PRODUCTION, on_retry = record::<0>)]
async fn production(calls: &AtomicU32) -> Result<(), E> {
    calls.fetch_add(1, SeqCst);
    Err(E::Status(503))
}

#[resile::retry(policy = AGGRESSIVE, on_retry = record::<1>)]
async fn aggressive(calls: &AtomicU32) -> Result<(), E> {
    calls.fetch_add(1, SeqCst);
    Err(E::Status(503))
}

#[resile::retry(policy = resile::presets::DISABLED, on_retry = record::<2>)]
async fn disabled(calls: &AtomicU32) -> Result<(), E> {
    calls.fetch_add(1, SeqCst);
    Err(E::Status(503))
}

/// The delays `policy` sleeps after a generator seeded with `seed`: the nominal exponential
/// delay `d`, then `d - d/4 + uniform × d/2` (±25 %), capped.
fn expected(policy: RetryPolicy, seed: u64) -> Vec<Duration> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let c = policy.config;
    let resile::retry::Jitter::Proportional(p) = c.jitter else { panic!("a ±p jitter") };
    (0..c.max - 1)
        .map(|n| {
            let d = (c.base_delay.as_nanos() << n).min(c.max_delay.as_nanos());
            let spread = mul_fraction(d, p);
            let ns = (d - spread + mul_fraction(2 * spread, rng.f64())).min(c.max_delay.as_nanos());
            Duration::from_nanos(ns as u64)
        })
        .collect()
}

/// Runs `f` after seeding the thread's generator: (attempts, elapsed, delays recorded).
async fn run<F: Future<Output = Result<(), E>>>(
    slot: usize,
    seed: u64,
    f: impl FnOnce(&'static AtomicU32) -> F,
) -> (u32, Duration, Vec<Duration>) {
    let calls: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
    DELAYS[slot].lock().unwrap().clear();
    fastrand::seed(seed);
    let start = Instant::now();
    assert_eq!(f(calls).await, Err(E::Status(503)));
    (calls.load(SeqCst), start.elapsed(), DELAYS[slot].lock().unwrap().clone())
}

/// Each sleep on the paused clock ends on the timer's next whole millisecond.
fn slept(delays: &[Duration]) -> Duration {
    delays.iter().map(|d| Duration::from_millis(d.as_nanos().div_ceil(1_000_000) as u64)).sum()
}

#[tokio::test(start_paused = true)]
async fn production_is_3_attempts_from_50ms_within_25_percent() {
    assert_eq!(PRODUCTION.config.max, 3);
    for seed in 0..20 {
        let (attempts, elapsed, delays) = run(0, seed, production).await;
        assert_eq!(attempts, 3);
        assert_eq!(delays, expected(PRODUCTION, seed), "seed {seed}");
        for (d, nominal) in delays.iter().zip([50u64, 100]) {
            let nominal = Duration::from_millis(nominal);
            assert!(*d >= nominal * 3 / 4 && *d <= nominal * 5 / 4, "{d:?} within ±25 % of {nominal:?}");
        }
        assert_eq!(elapsed, slept(&delays));
    }
}

#[tokio::test(start_paused = true)]
async fn aggressive_is_5_attempts_from_100ms_within_25_percent() {
    for seed in 0..20 {
        let (attempts, elapsed, delays) = run(1, seed, aggressive).await;
        assert_eq!(attempts, 5);
        assert_eq!(delays, expected(AGGRESSIVE, seed), "seed {seed}");
        for (d, nominal) in delays.iter().zip([100u64, 200, 400, 800]) {
            let nominal = Duration::from_millis(nominal);
            assert!(*d >= nominal * 3 / 4 && *d <= nominal * 5 / 4, "{d:?} within ±25 % of {nominal:?}");
        }
        assert_eq!(elapsed, slept(&delays));
    }
}

#[tokio::test(start_paused = true)]
async fn disabled_is_one_attempt() {
    assert_eq!(DISABLED.config.max, 1);
    assert_eq!(run(2, 0, disabled).await, (1, Duration::ZERO, Vec::new()));
}

// ---- transient or permanent --------------------------------------------------------------------

#[resile::retry(policy = PRODUCTION, retry_if = resile::presets::is_transient)]
async fn status(calls: &AtomicU32, code: u16) -> Result<(), E> {
    calls.fetch_add(1, SeqCst);
    Err(E::Status(code))
}

#[tokio::test(start_paused = true)]
async fn only_transient_statuses_are_retried() {
    for (code, attempts) in [(500, 3), (503, 3), (599, 3), (429, 3), (408, 3), (404, 1), (400, 1), (401, 1), (499, 1)] {
        let calls: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
        assert_eq!(status(calls, code).await, Err(E::Status(code)));
        assert_eq!(calls.load(SeqCst), attempts, "status {code}");
    }
}

#[test]
fn classification() {
    let transient: Vec<u16> = (100..=999).filter(|c| presets::is_transient_status(*c)).collect();
    let expected: Vec<u16> = [408, 429].into_iter().chain(500..=599).collect();
    assert_eq!(transient, expected);
    assert!(presets::is_transient(&503u16) && !presets::is_transient(&404u16));
    let io = |k| std::io::Error::from(k);
    assert!(io(std::io::ErrorKind::TimedOut).is_transient());
    assert!(io(std::io::ErrorKind::ConnectionReset).is_transient());
    assert!(!io(std::io::ErrorKind::NotFound).is_transient());
    assert!(!io(std::io::ErrorKind::PermissionDenied).is_transient());
    assert!(Rejection::TimedOut { after: Duration::from_secs(1) }.is_transient());
    assert!(Rejection::BulkheadFull { name: "x" }.is_transient());
    assert!(!Rejection::CircuitOpen { name: "x" }.is_transient());
    assert!(presets::is_transient(&Box::new(E::Status(502))));
}
