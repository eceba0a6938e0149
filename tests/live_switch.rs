//! `resile::config::set_enabled`: every policy of the process off, then on again; and
//! `enabled = false` in a file, which the next file turns back on unless it says it again.
//! Process-wide, so in a test binary of its own.

use std::time::Duration;

use resile::config::apply_toml;
use resile::registry::Source;
use resile::{Rejection, State};
use tokio::time::sleep;

#[derive(Debug, PartialEq)]
enum Error {
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

#[resile::circuit_breaker(name = "switch-cb", window_size = 2, minimum_calls = 2)]
async fn breaker() -> Result<u32, Error> {
    Ok(1)
}

#[resile::bulkhead(name = "switch-bh", max_concurrent = 1)]
async fn bulkhead(hold: Duration) -> Result<u32, Error> {
    sleep(hold).await;
    Ok(2)
}

#[resile::rate_limit(name = "switch-rl", rate = 1.0)]
async fn limited() -> Result<u32, Error> {
    Ok(3)
}

/// The tests of this file run one at a time: the switch is process-wide.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(start_paused = true)]
async fn everything_off_passes_calls_through_and_back_on_guards_them_again() {
    let _serial = SERIAL.lock().await;
    resile::circuit_breaker("switch-cb").force_open();
    let holding = tokio::spawn(bulkhead(Duration::from_secs(1)));
    tokio::task::yield_now().await;
    assert_eq!(limited().await, Ok(3));
    let open = Err(Error::Rejected(Rejection::CircuitOpen { name: "switch-cb" }));
    let full = Err(Error::Rejected(Rejection::BulkheadFull { name: "switch-bh" }));
    let limited_now =
        Err(Error::Rejected(Rejection::RateLimited { name: "switch-rl", retry_after: Duration::from_secs(1) }));
    assert_eq!((breaker().await, bulkhead(Duration::ZERO).await, limited().await), (open, full, limited_now));

    resile::config::set_enabled(false);
    assert!(!resile::config::is_enabled());
    for _ in 0..3 {
        assert_eq!((breaker().await, bulkhead(Duration::ZERO).await, limited().await), (Ok(1), Ok(2), Ok(3)));
    }
    // Nothing was taken or recorded, and the operator's state is untouched.
    assert_eq!(resile::bulkhead("switch-bh").stats().in_use, 1);
    assert_eq!(resile::rate_limiter("switch-rl").stats().tokens, 0.0);
    assert_eq!(resile::circuit_breaker("switch-cb").state(), State::ForcedOpen);

    resile::config::set_enabled(true);
    assert!(resile::config::is_enabled());
    let open = Err(Error::Rejected(Rejection::CircuitOpen { name: "switch-cb" }));
    let full = Err(Error::Rejected(Rejection::BulkheadFull { name: "switch-bh" }));
    let limited_now =
        Err(Error::Rejected(Rejection::RateLimited { name: "switch-rl", retry_after: Duration::from_secs(1) }));
    assert_eq!((breaker().await, bulkhead(Duration::ZERO).await, limited().await), (open, full, limited_now));
    assert_eq!(holding.await.unwrap(), Ok(2));
}

#[tokio::test(start_paused = true)]
async fn a_handle_turns_one_bulkhead_or_rate_limiter_off_and_on() {
    let _serial = SERIAL.lock().await;
    let holding = tokio::spawn(other_bulkhead(Duration::from_secs(1)));
    tokio::task::yield_now().await;
    let handle = resile::bulkhead("switch-bh-2");
    handle.disable();
    assert!(!handle.is_enabled());
    assert_eq!(other_bulkhead(Duration::ZERO).await, Ok(4));
    handle.enable();
    assert!(handle.is_enabled());
    assert_eq!(
        other_bulkhead(Duration::ZERO).await,
        Err(Error::Rejected(Rejection::BulkheadFull { name: "switch-bh-2" }))
    );
    assert_eq!(holding.await.unwrap(), Ok(4));

    let limiter = resile::rate_limiter("switch-rl-2");
    assert_eq!(other_limited().await, Ok(5));
    let refused =
        Err(Error::Rejected(Rejection::RateLimited { name: "switch-rl-2", retry_after: Duration::from_secs(1) }));
    assert_eq!(other_limited().await, refused);
    limiter.disable();
    assert_eq!(other_limited().await, Ok(5));
    limiter.enable();
    assert_eq!(other_limited().await, refused);
}

#[resile::bulkhead(name = "switch-bh-2", max_concurrent = 1)]
async fn other_bulkhead(hold: Duration) -> Result<u32, Error> {
    sleep(hold).await;
    Ok(4)
}

#[resile::rate_limit(name = "switch-rl-2", rate = 1.0)]
async fn other_limited() -> Result<u32, Error> {
    Ok(5)
}

// ---- enabled = false ---------------------------------------------------------------------------

#[resile::bulkhead(name = "live-off-bh", max_concurrent = 1)]
async fn off_bulkhead(hold: Duration) -> Result<u32, Error> {
    sleep(hold).await;
    Ok(6)
}

#[resile::circuit_breaker(name = "live-off-cb")]
async fn off_breaker() -> Result<u32, Error> {
    Ok(6)
}

#[tokio::test(start_paused = true)]
async fn enabled_false_passes_calls_through_one_instance_until_a_file_turns_it_back_on() {
    let _serial = SERIAL.lock().await;
    let holding = tokio::spawn(off_bulkhead(Duration::from_millis(100)));
    tokio::task::yield_now().await;
    let full = Err(Error::Rejected(Rejection::BulkheadFull { name: "live-off-bh" }));
    assert_eq!(off_bulkhead(Duration::ZERO).await, full);
    resile::circuit_breaker("live-off-cb").force_open();
    let applied =
        apply_toml("[bulkhead.live-off-bh]\nenabled = false\n[circuit_breaker.live-off-cb]\nenabled = false").unwrap();
    assert_eq!(applied.to_string(), "circuit_breaker.live-off-cb: enabled\nbulkhead.live-off-bh: enabled");
    assert!(applied.changes.iter().all(|c| !c.enabled));
    assert_eq!(off_bulkhead(Duration::ZERO).await, Ok(6));
    assert_eq!(off_breaker().await, Ok(6));
    assert_eq!(resile::circuit_breaker("live-off-cb").state(), State::Disabled);
    assert_eq!(resile::bulkhead("live-off-bh").stats().in_use, 1, "a call passing through takes no permit");
    // A file without `enabled = false` for them turns them back on.
    apply_toml("[bulkhead.live-off-bh]\nmax_concurrent = 1\n[circuit_breaker.live-off-cb]\n").unwrap();
    assert_eq!(off_bulkhead(Duration::ZERO).await, full);
    assert_eq!(resile::circuit_breaker("live-off-cb").state(), State::Closed);
    assert_eq!(holding.await.unwrap(), Ok(6));
}

#[resile::rate_limit(name = "switch-file-rl", rate = 1.0)]
async fn file_limited() -> Result<u32, Error> {
    Ok(7)
}

/// A file is the whole live configuration: the next one, without the section that turned a
/// limiter off, turns it back on; an operator's own `disable()` stays.
#[tokio::test(start_paused = true)]
async fn a_later_file_without_the_section_turns_the_instance_back_on() {
    let _serial = SERIAL.lock().await;
    let limiter = resile::rate_limiter("switch-file-rl");
    let own = resile::rate_limiter("switch-file-rl-own");
    own.disable();
    apply_toml("[rate_limit.switch-file-rl]\nrate = 1.0\nenabled = false\n").unwrap();
    assert!(!limiter.is_enabled());
    for _ in 0..3 {
        assert_eq!(file_limited().await, Ok(7));
    }
    // Still off while a file says so.
    apply_toml("[rate_limit.switch-file-rl]\nenabled = false\n[rate_limit.switch-file-other]\nrate = 5.0\n").unwrap();
    assert!(!limiter.is_enabled());
    let applied = apply_toml("[rate_limit.switch-file-other]\nrate = 5.0\n").unwrap();
    assert_eq!(applied.to_string(), "rate_limit.switch-file-rl: enabled");
    assert!(applied.changes.iter().all(|c| c.enabled));
    assert!(limiter.is_enabled());
    assert_eq!(file_limited().await, Ok(7));
    let refused =
        Err(Error::Rejected(Rejection::RateLimited { name: "switch-file-rl", retry_after: Duration::from_secs(1) }));
    assert_eq!(file_limited().await, refused);
    assert!(!own.is_enabled(), "an operator's `disable()` is not a file's");
    own.enable();
}

#[resile::bulkhead(name = "switch-watched-bh", max_concurrent = 1)]
async fn watched_bulkhead(hold: Duration) -> Result<u32, Error> {
    sleep(hold).await;
    Ok(8)
}

/// Under `watch_file`, deleting the section that turned a bulkhead off turns it back on.
#[tokio::test(start_paused = true)]
async fn deleting_the_section_of_a_watched_file_turns_the_instance_back_on() {
    let _serial = SERIAL.lock().await;
    let dir = std::env::temp_dir().join(format!("resile-switch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("resile.toml");
    std::fs::write(&path, "[bulkhead.switch-watched-bh]\nenabled = false\n").unwrap();
    let _watcher = resile::config::watch_file(&path, Duration::from_secs(1));
    tokio::task::yield_now().await;
    let handle = resile::bulkhead("switch-watched-bh");
    assert!(!handle.is_enabled());
    let holding = tokio::spawn(watched_bulkhead(Duration::from_secs(10)));
    tokio::task::yield_now().await;
    assert_eq!(watched_bulkhead(Duration::ZERO).await, Ok(8), "off: passes unguarded");

    std::fs::write(&path, "").unwrap();
    tokio::time::advance(Duration::from_secs(1)).await;
    tokio::task::yield_now().await;
    assert!(handle.is_enabled());
    let second = tokio::spawn(watched_bulkhead(Duration::from_secs(10)));
    tokio::task::yield_now().await;
    assert_eq!(
        watched_bulkhead(Duration::ZERO).await,
        Err(Error::Rejected(Rejection::BulkheadFull { name: "switch-watched-bh" }))
    );
    drop(_watcher);
    assert_eq!((holding.await.unwrap(), second.await.unwrap()), (Ok(8), Ok(8)));
    std::fs::remove_dir_all(&dir).unwrap();
}

static ATTEMPTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[derive(Debug, PartialEq)]
enum Flaky {
    Down,
    Rejected(Rejection),
}

impl From<Rejection> for Flaky {
    fn from(r: Rejection) -> Self {
        Flaky::Rejected(r)
    }
}

#[resile::retry(max = 3, base_delay = "100ms", jitter = "none")]
async fn retried() -> Result<u32, Flaky> {
    ATTEMPTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Err(Flaky::Down)
}

#[resile::timeout("1s")]
async fn slow(hold: Duration) -> Result<u32, Flaky> {
    sleep(hold).await;
    Ok(5)
}

#[resile::hedge(delay = "100ms", max_requests = 2)]
async fn hedged(hold: Duration) -> Result<u32, Flaky> {
    ATTEMPTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    sleep(hold).await;
    Ok(6)
}

#[tokio::test(start_paused = true)]
async fn everything_off_runs_one_attempt_with_no_deadline_and_no_hedge() {
    let _serial = SERIAL.lock().await;
    let attempts = || ATTEMPTS.swap(0, std::sync::atomic::Ordering::Relaxed);
    let start = tokio::time::Instant::now();
    assert_eq!(retried().await, Err(Flaky::Down));
    assert_eq!((attempts(), start.elapsed()), (3, Duration::from_millis(300)));
    assert_eq!(
        slow(Duration::from_secs(2)).await,
        Err(Flaky::Rejected(Rejection::TimedOut { after: Duration::from_secs(1) }))
    );
    assert_eq!(hedged(Duration::from_secs(1)).await, Ok(6));
    assert_eq!(attempts(), 2);

    resile::config::set_enabled(false);
    let start = tokio::time::Instant::now();
    assert_eq!(retried().await, Err(Flaky::Down));
    assert_eq!((attempts(), start.elapsed()), (1, Duration::ZERO));
    assert_eq!(slow(Duration::from_secs(2)).await, Ok(5));
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(hedged(Duration::from_secs(1)).await, Ok(6));
    assert_eq!(attempts(), 1);
    resile::config::set_enabled(true);

    assert_eq!(retried().await, Err(Flaky::Down));
    assert_eq!(attempts(), 3);
}

// ---- `enabled` alone in a file fixes no setting (SPEC §7, laid over the declaration) ----

const API_OFF_FIRST: resile::RateLimitPolicy = resile::RateLimitPolicy::named("overlay-api-off-first", 2.0);

#[resile::rate_limit(policy = API_OFF_FIRST)]
async fn api_off_first() -> Result<u32, Rejection> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn enabled_alone_before_the_first_call_fixes_no_setting() {
    // Here, not in `live_overlay.rs`: a file applied by another test in between would turn
    // the instance back on (a later file is the whole live truth about `enabled`).
    let _serial = SERIAL.lock().await;
    apply_toml("[rate_limit.overlay-api-off-first]\nenabled = false").unwrap();
    let api = resile::rate_limiter("overlay-api-off-first");
    assert_eq!(api.source(), Some(Source::Default), "created to be turned off, with no live key");
    assert_eq!(api_off_first().await, Ok(1));
    assert_eq!((api.config().unwrap().rate, api.source()), (2.0, Some(Source::Declared)));
    apply_toml("[rate_limit.overlay-api-off-first]\nenabled = true").unwrap();
    assert_eq!((api.config().unwrap().rate, api.source()), (2.0, Some(Source::Declared)));
    // On again and limited at the declared rate: a burst of two, then a rejection.
    assert_eq!(api.stats().tokens, 2.0);
    assert_eq!((api_off_first().await, api_off_first().await), (Ok(1), Ok(1)));
    assert!(api_off_first().await.is_err());
}
