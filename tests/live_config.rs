//! Live configuration (SPEC §7) on tokio's paused clock: `apply_toml` changes the next call
//! and not a running one, per policy; invalid updates change nothing and are named;
//! `poll` backs off from a failing source at exact instants and recovers; `watch_file`
//! reloads a changed file and keeps the last good one; a site's `weight` against the shared
//! instance. (`enabled = false` and `set_enabled`, whose files and switches are
//! process-wide, are in `live_switch.rs`.)

use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use resile::config::{ConfigSource, apply_toml, poll, watch_file};
use resile::registry::Source;
use resile::{CircuitBreakerConfig, Rejection, State};
use tokio::time::{Instant, advance, sleep};
use tracing::Level;

#[derive(Debug, PartialEq)]
enum Error {
    Failed,
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[path = "support/events.rs"]
mod events;
use events::Events;

// ---- a reconfiguration changes the next call, not a running one --------------------------------

#[resile::circuit_breaker(name = "live-cb", window_size = 4, minimum_calls = 4)]
async fn guarded_by_breaker(fail: bool, hold: Duration) -> Result<u32, Error> {
    sleep(hold).await;
    if fail { Err(Error::Failed) } else { Ok(1) }
}

#[tokio::test(start_paused = true)]
async fn breaker_next_call_sees_new_settings_and_a_running_call_is_not_recorded_into_them() {
    assert_eq!(guarded_by_breaker(false, ms(0)).await, Ok(1));
    // A call admitted under the declared settings, still running.
    let running = tokio::spawn(guarded_by_breaker(true, ms(50)));
    tokio::task::yield_now().await;
    let applied = apply_toml("[circuit_breaker.live-cb]\nminimum_calls = 2\nwindow_size = 2\n").unwrap();
    assert_eq!(applied.to_string(), "circuit_breaker.live-cb: window_size, minimum_calls");
    assert_eq!(resile::circuit_breaker("live-cb").source(), Some(Source::Live));
    // Two failures trip it now (four under the declared settings).
    for _ in 0..2 {
        assert_eq!(guarded_by_breaker(true, ms(0)).await, Err(Error::Failed));
    }
    assert_eq!(resile::circuit_breaker("live-cb").state(), State::Open);
    // The running call ends with its own result; its failure, admitted before the change,
    // is not recorded into the new window.
    assert_eq!(running.await.unwrap(), Err(Error::Failed));
    assert_eq!(resile::circuit_breaker("live-cb").stats().total, 2);
}

#[resile::bulkhead(name = "live-bh", max_concurrent = 1)]
async fn guarded_by_bulkhead(hold: Duration) -> Result<u32, Error> {
    sleep(hold).await;
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn bulkhead_grows_for_the_next_call_and_a_shrink_leaves_running_calls_their_permits() {
    let first = tokio::spawn(guarded_by_bulkhead(ms(100)));
    tokio::task::yield_now().await;
    let full = Err(Error::Rejected(Rejection::BulkheadFull { name: "live-bh" }));
    assert_eq!(guarded_by_bulkhead(ms(0)).await, full);
    apply_toml("[bulkhead.live-bh]\nmax_concurrent = 2").unwrap();
    let second = tokio::spawn(guarded_by_bulkhead(ms(100)));
    tokio::task::yield_now().await;
    assert_eq!(resile::bulkhead("live-bh").stats().in_use, 2);
    // Shrink while both run: they keep their permits; the next call is refused.
    apply_toml("[bulkhead.live-bh]\nmax_concurrent = 1").unwrap();
    let stats = resile::bulkhead("live-bh").stats();
    assert_eq!((stats.max_concurrent, stats.in_use), (1, 2));
    assert_eq!(guarded_by_bulkhead(ms(0)).await, full);
    assert_eq!((first.await.unwrap(), second.await.unwrap()), (Ok(1), Ok(1)));
    assert_eq!(guarded_by_bulkhead(ms(0)).await, Ok(1));
}

#[resile::rate_limit(name = "live-rl", rate = 1.0)]
async fn guarded_by_limiter() -> Result<u32, Error> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn rate_limiter_rate_changes_for_the_next_call() {
    assert_eq!(guarded_by_limiter().await, Ok(1));
    let limited = Err(Error::Rejected(Rejection::RateLimited { name: "live-rl", retry_after: ms(1000) }));
    assert_eq!(guarded_by_limiter().await, limited);
    apply_toml("[rate_limit.live-rl]\nrate = 10.0").unwrap();
    // The spent token stays spent: 9 of the new burst of 10 are there.
    assert_eq!(resile::rate_limiter("live-rl").stats().tokens, 9.0);
    for _ in 0..9 {
        assert_eq!(guarded_by_limiter().await, Ok(1));
    }
    let limited = Err(Error::Rejected(Rejection::RateLimited { name: "live-rl", retry_after: ms(100) }));
    assert_eq!(guarded_by_limiter().await, limited);
}

// ---- a site's weight against the shared instance --------------------------------------------------

#[resile::rate_limit(name = "live-rl-shared", rate = 10, burst_size = 10)]
async fn light_limited() -> Result<u32, Error> {
    Ok(1)
}

#[resile::rate_limit(name = "live-rl-shared", rate = 10, burst_size = 10, weight = 5)]
async fn heavy_limited() -> Result<u32, Error> {
    Ok(5)
}

/// Two sites of one limiter differ in `weight`: a burst below the heavier one's is refused,
/// from a file and from a handle, though the declaration's weight (1) would fit.
#[tokio::test(start_paused = true)]
async fn a_live_burst_below_any_sites_weight_is_refused() {
    assert_eq!((light_limited().await, heavy_limited().await), (Ok(1), Ok(5)));
    let err = apply_toml("[rate_limit.live-rl-shared]\nburst_size = 2.0\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "[rate_limit.live-rl-shared] burst_size: `weight` (5) exceeds `burst_size` (2): the bucket never holds that many tokens, so no call could be admitted; lower `weight` or raise `burst_size`"
    );
    let limiter = resile::rate_limiter("live-rl-shared");
    let lowered = resile::rate_limit::RateLimitConfig::new(10.0).burst_size(2.0);
    assert_eq!(limiter.reconfigure(lowered).unwrap_err().key(), "burst_size");
    // The default burst (= `rate`) is checked too.
    let err = limiter.reconfigure(resile::rate_limit::RateLimitConfig::new(4.0)).unwrap_err();
    assert!(err.to_string().contains("exceeds the default `burst_size` (= `rate`, 4)"), "{err}");
    assert_eq!(limiter.config().unwrap().burst_size, Some(10.0), "nothing changed");
    sleep(Duration::from_secs(1)).await;
    assert_eq!(heavy_limited().await, Ok(5));
    // A burst that holds the heaviest site is accepted.
    apply_toml("[rate_limit.live-rl-shared]\nburst_size = 5.0\n").unwrap();
    sleep(Duration::from_secs(1)).await;
    assert_eq!(heavy_limited().await, Ok(5));
}

#[resile::bulkhead(name = "live-bh-shared", max_concurrent = 4)]
async fn light_bulkhead() -> Result<u32, Error> {
    Ok(1)
}

#[resile::bulkhead(name = "live-bh-shared", max_concurrent = 4, weight = 3)]
async fn heavy_bulkhead() -> Result<u32, Error> {
    Ok(3)
}

/// The same for a bulkhead: `max_concurrent` below a site's `weight` is refused.
#[tokio::test(start_paused = true)]
async fn a_live_max_concurrent_below_any_sites_weight_is_refused() {
    assert_eq!((light_bulkhead().await, heavy_bulkhead().await), (Ok(1), Ok(3)));
    let err = apply_toml("[bulkhead.live-bh-shared]\nmax_concurrent = 2\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "[bulkhead.live-bh-shared] max_concurrent: `weight` (3) exceeds `max_concurrent` (2): such a call could never run; lower `weight` or raise `max_concurrent`"
    );
    let handle = resile::bulkhead("live-bh-shared");
    assert_eq!(handle.reconfigure(resile::bulkhead::BulkheadConfig::new(2)).unwrap_err().key(), "max_concurrent");
    assert_eq!(handle.stats().max_concurrent, 4, "nothing changed");
    apply_toml("[bulkhead.live-bh-shared]\nmax_concurrent = 3\n").unwrap();
    assert_eq!(heavy_bulkhead().await, Ok(3));
}

#[resile::hedge(name = "live-hedge", percentile = 95.0, min_samples = 100, initial_delay = "100ms")]
async fn hedged(attempts: &AtomicU32) -> Result<u32, Error> {
    // The first attempt takes 50 ms, a hedge 1 ms.
    let attempt = attempts.fetch_add(1, SeqCst) + 1;
    sleep(if attempt == 1 { ms(50) } else { ms(1) }).await;
    Ok(attempt)
}

#[tokio::test(start_paused = true)]
async fn hedge_tracker_delay_changes_for_the_next_call() {
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    assert_eq!(hedged(&attempts).await, Ok(1)); // no hedge before 100 ms
    assert_eq!(start.elapsed(), ms(50));
    apply_toml("[hedge.live-hedge]\ninitial_delay = \"20ms\"").unwrap();
    let (attempts, start) = (AtomicU32::new(0), Instant::now());
    assert_eq!(hedged(&attempts).await, Ok(2)); // hedged at 20 ms, won at 21 ms
    assert_eq!(start.elapsed(), ms(21));
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "10ms", jitter = "none", retry_budget = "live-budget")]
async fn budgeted(attempts: &AtomicU32) -> Result<u32, Error> {
    attempts.fetch_add(1, SeqCst);
    Err(Error::Failed)
}

#[tokio::test(start_paused = true)]
async fn retry_budget_change_applies_to_the_next_call() {
    let attempts = AtomicU32::new(0);
    assert_eq!(budgeted(&attempts).await, Err(Error::Failed));
    assert_eq!(attempts.load(SeqCst), 3); // min_per_sec = 10 funds the retries
    apply_toml("[retry_budget.live-budget]\nratio = 0.0\nmin_per_sec = 0").unwrap();
    let attempts = AtomicU32::new(0);
    assert_eq!(budgeted(&attempts).await, Err(Error::Failed));
    assert_eq!(attempts.load(SeqCst), 1);
    assert_eq!(resile::retry_budget("live-budget").config().unwrap().ratio, 0.0);
}

// ---- invalid updates change nothing --------------------------------------------------------------

#[test]
fn an_invalid_update_is_refused_with_its_key_and_the_last_good_one_stays() {
    let handle = resile::circuit_breaker("live-invalid");
    handle.reconfigure(CircuitBreakerConfig::new().window_size(20)).unwrap();
    let err = handle.reconfigure(CircuitBreakerConfig::new().failure_rate_threshold(50.0)).unwrap_err();
    assert_eq!(err.key(), "failure_rate_threshold");
    assert_eq!(
        err.to_string(),
        "`failure_rate_threshold` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.5`?"
    );
    assert_eq!(handle.config().unwrap().window_size, 20);

    let err = apply_toml("[circuit_breaker.live-invalid]\nfailure_rate_threshold = 50").unwrap_err();
    assert_eq!(
        (err.key(), err.section().unwrap().to_string()),
        ("failure_rate_threshold", "[circuit_breaker.live-invalid]".into())
    );
    assert_eq!(
        err.to_string(),
        "[circuit_breaker.live-invalid] failure_rate_threshold: `failure_rate_threshold` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.5`?"
    );
    assert_eq!(handle.config().unwrap(), CircuitBreakerConfig::new().window_size(20));
}

#[test]
fn one_bad_value_among_good_ones_changes_nothing() {
    let a = resile::rate_limiter("live-atomic-a");
    let b = resile::bulkhead("live-atomic-b");
    apply_toml("[rate_limit.live-atomic-a]\nrate = 5.0\n[bulkhead.live-atomic-b]\nmax_concurrent = 3").unwrap();
    let err = apply_toml(
        "[rate_limit.live-atomic-a]\nrate = 50.0\nburst_size = 60.0\n\
         [bulkhead.live-atomic-b]\nmax_concurrent = 0\n",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "[bulkhead.live-atomic-b] max_concurrent: `max_concurrent` must be at least 1, found 0"
    );
    assert_eq!((a.config().unwrap().rate, a.config().unwrap().burst_size), (5.0, None));
    assert_eq!(b.config().unwrap().max_concurrent, 3);
}

#[test]
fn unknown_sections_and_keys_are_named_with_a_did_you_mean() {
    let message = |text: &str| apply_toml(text).unwrap_err().to_string();
    assert_eq!(
        message("[circuit_braker.db]\nwindow_size = 5"),
        "unknown section `[circuit_braker]`; did you mean `[circuit_breaker.<name>]`?"
    );
    assert_eq!(
        message("[limits.db]\nrate = 5"),
        "unknown section `[limits]`; expected one of: `[circuit_breaker.<name>]`, `[bulkhead.<name>]`, `[rate_limit.<name>]`, `[hedge.<name>]`, `[retry_budget.<name>]`, `[chaos.<name>]`",
        "with the cargo feature `chaos` (on for these tests), its injectors are a section too"
    );
    assert_eq!(
        message("[circuit_breaker.db]\nwindow_sise = 5"),
        "[circuit_breaker.db] unknown key `window_sise`; did you mean `window_size`?"
    );
    assert_eq!(
        message("[circuit_breaker.db]\nenable = false"),
        "[circuit_breaker.db] unknown key `enable`; did you mean `enabled`?"
    );
    assert_eq!(
        message("[circuit_breaker]\nwindow_size = 5"),
        "`[circuit_breaker]` needs a name: write `[circuit_breaker.<name>]`, found `circuit_breaker.window_size`"
    );
    assert_eq!(
        message("[circuit_breaker.db]\nopen_timeout = 5"),
        "[circuit_breaker.db] open_timeout: a duration needs a unit: write `\"5ms\"` or `\"5s\"`"
    );
    assert_eq!(
        message("[circuit_breaker.db]\nopen_timeout = \"5 secs\""),
        "[circuit_breaker.db] open_timeout: unknown unit `secs`; use one of `ns`, `us`, `ms`, `s`, `m`, `h`; did you mean `s`?"
    );
    assert_eq!(
        message("[circuit_breaker.db]\nwindow = \"sliding\""),
        "[circuit_breaker.db] window: unknown window `\"sliding\"`; expected one of `\"count\"`, `\"time\"`"
    );
    assert_eq!(
        message("[circuit_breaker.db]\nenabled = \"no\""),
        "[circuit_breaker.db] enabled: `enabled` expects `true` or `false`, found a string"
    );
    assert_eq!(
        message("[bulkhead.db]\nmax_wait = \"1s\""),
        "[bulkhead.db] max_wait: `max_wait` is each `#[bulkhead]` call site's own setting, which live configuration does not change; it sets `max_concurrent`, `adaptive`, `min_concurrent` and `initial_concurrent`"
    );
    assert_eq!(
        message("[rate_limit.db]\nrate = 5\n\nburst = [1"),
        "not valid TOML at line 4, column 11: unclosed array, expected `]`"
    );
    assert!(resile::circuit_breaker("db").config().is_none(), "nothing was created");
}

#[resile::circuit_breaker(name = "live-undeclared")]
async fn refers_only() -> Result<u32, Error> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn an_undeclared_name_runs_with_the_defaults_says_so_and_a_section_starts_from_them() {
    let (events, _guard) = Events::capture();
    assert_eq!(refers_only().await, Ok(1));
    let handle = resile::circuit_breaker("live-undeclared");
    assert_eq!((handle.config(), handle.source()), (Some(CircuitBreakerConfig::new()), Some(Source::Default)));
    assert_eq!(
        events.at(Level::INFO),
        ["`live-undeclared` is used before any declaration of it: it runs with the defaults until one is seen"]
    );
    let applied = apply_toml("[circuit_breaker.live-undeclared]\nwindow_size = 20").unwrap();
    assert_eq!((applied.changes[0].keys.clone(), applied.changes[0].created), (vec!["window_size"], false));
    assert_eq!(
        (handle.config(), handle.source()),
        (Some(CircuitBreakerConfig::new().window_size(20)), Some(Source::Live))
    );
    // A name no call site has used is created with the section's keys over the defaults.
    let applied = apply_toml("[circuit_breaker.live-new]\nminimum_calls = 5").unwrap();
    assert!(applied.changes[0].created);
    assert_eq!(resile::circuit_breaker("live-new").config(), Some(CircuitBreakerConfig::new().minimum_calls(5)));
}

// ---- sources -------------------------------------------------------------------------------------

/// A control plane that fails its first `failing` fetches, recording when each came.
struct Flaky {
    failing: u32,
    fetches: Arc<Mutex<Vec<Duration>>>,
    start: Instant,
}

impl ConfigSource for Flaky {
    type Error = &'static str;
    async fn fetch(&mut self) -> Result<String, &'static str> {
        self.fetches.lock().unwrap().push(self.start.elapsed());
        if self.failing > 0 {
            self.failing -= 1;
            return Err("connection refused");
        }
        Ok(String::from("[rate_limit.live-polled]\nrate = 7.0\n"))
    }
    fn describe(&self) -> String {
        String::from("the control plane")
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_source_is_retried_with_exponential_backoff_then_the_interval_resumes() {
    let (events, _guard) = Events::capture();
    let fetches = Arc::new(Mutex::new(Vec::new()));
    let poller = poll(Flaky { failing: 3, fetches: fetches.clone(), start: Instant::now() }, Duration::from_secs(1));
    sleep(ms(9500)).await;
    let secs: Vec<u64> = fetches.lock().unwrap().iter().map(|d| d.as_secs()).collect();
    // Fails at 0, 1 and 3 s (waits 1, 2, 4 s), answers at 7 s, then every second.
    assert_eq!(secs, [0, 1, 3, 7, 8, 9]);
    assert!(fetches.lock().unwrap().iter().all(|d| d.subsec_nanos() == 0), "exact instants");
    assert_eq!(resile::rate_limiter("live-polled").config().unwrap().rate, 7.0);
    assert_eq!(events.at(Level::WARN).len(), 3);
    assert_eq!(
        events.at(Level::WARN)[2],
        "fetching the configuration from the control plane failed (3 in a row), retrying in 4s: connection refused"
    );
    assert!(events.at(Level::INFO).contains(&"the control plane answers again after 3 failed fetches".to_string()));
    // The same text is applied once, not at every fetch.
    assert_eq!(events.at(Level::INFO).iter().filter(|m| m.starts_with("live configuration applied")).count(), 1);
    // Dropping the poller stops it.
    drop(poller);
    sleep(Duration::from_secs(5)).await;
    assert_eq!(fetches.lock().unwrap().len(), 6);
}

#[tokio::test(start_paused = true)]
async fn watch_file_reloads_a_changed_file_and_keeps_the_last_good_one_on_a_bad_file() {
    let (events, _guard) = Events::capture();
    let dir = std::env::temp_dir().join(format!("resile-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("resile.toml");
    std::fs::write(&path, "[rate_limit.live-watched]\nrate = 5.0\n").unwrap();
    let _watcher = watch_file(&path, Duration::from_secs(1));
    tokio::task::yield_now().await;
    let limiter = resile::rate_limiter("live-watched");
    assert_eq!(limiter.config().unwrap().rate, 5.0);

    std::fs::write(&path, "[rate_limit.live-watched]\nrate = 0.0\n").unwrap();
    advance(Duration::from_secs(1)).await;
    tokio::task::yield_now().await;
    assert_eq!(limiter.config().unwrap().rate, 5.0, "the last good configuration stays");
    let errors = events.at(Level::ERROR);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].ends_with("refused, the last good configuration stays: [rate_limit.live-watched] rate: `rate` must be greater than 0, found 0.0"), "{}", errors[0]);

    std::fs::write(&path, "[rate_limit.live-watched]\nrate = 8.0\n").unwrap();
    advance(Duration::from_secs(1)).await;
    tokio::task::yield_now().await;
    assert_eq!(limiter.config().unwrap().rate, 8.0);
    assert_eq!(events.at(Level::ERROR).len(), 1, "the bad file was reported once");
    std::fs::remove_dir_all(&dir).unwrap();
}
