//! Live configuration laid over declarations key by key: a section sets the keys it names and
//! the others keep the declared values, whether the file comes before an instance's first
//! call (its declaration) or after it; `enabled` alone fixes no setting; `reconfigure` sets
//! every key; a later file is the whole live truth for the sections it names.

use std::time::Duration;

use resile::config::apply_toml;
use resile::registry::Source;
use resile::{CircuitBreakerConfig, Rejection};
use tracing::Level;

#[path = "support/events.rs"]
mod events;
use events::Events;

/// What the `db` breakers declare, with the file's `open_timeout = "30s"` laid over it.
fn declared_with_live_timeout() -> CircuitBreakerConfig {
    CircuitBreakerConfig::new().window_size(20).minimum_calls(5).open_timeout(Duration::from_secs(30))
}

const DB_FILE_FIRST: resile::CircuitBreakerPolicy =
    resile::CircuitBreakerPolicy::named("overlay-db-file-first").window_size(20).minimum_calls(5);

#[resile::circuit_breaker(policy = DB_FILE_FIRST)]
async fn db_file_first() -> Result<u32, Rejection> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_file_before_the_first_call_keeps_the_declared_keys_it_does_not_name() {
    apply_toml("[circuit_breaker.overlay-db-file-first]\nopen_timeout = \"30s\"").unwrap();
    let db = resile::circuit_breaker("overlay-db-file-first");
    assert_eq!(db.config(), Some(CircuitBreakerConfig::new().open_timeout(Duration::from_secs(30))));
    assert_eq!(db_file_first().await, Ok(1));
    assert_eq!((db.config(), db.source()), (Some(declared_with_live_timeout()), Some(Source::Live)));
}

const DB_CALL_FIRST: resile::CircuitBreakerPolicy =
    resile::CircuitBreakerPolicy::named("overlay-db-call-first").window_size(20).minimum_calls(5);

#[resile::circuit_breaker(policy = DB_CALL_FIRST)]
async fn db_call_first() -> Result<u32, Rejection> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_file_after_the_first_call_keeps_the_declared_keys_it_does_not_name() {
    assert_eq!(db_call_first().await, Ok(1));
    let db = resile::circuit_breaker("overlay-db-call-first");
    assert_eq!(db.source(), Some(Source::Declared));
    let applied = apply_toml("[circuit_breaker.overlay-db-call-first]\nopen_timeout = \"30s\"").unwrap();
    assert_eq!(applied.changes[0].keys, ["open_timeout"]);
    assert_eq!((db.config(), db.source()), (Some(declared_with_live_timeout()), Some(Source::Live)));
}

const API_CALL_FIRST: resile::RateLimitPolicy = resile::RateLimitPolicy::named("overlay-api-call-first", 2.0);

#[resile::rate_limit(policy = API_CALL_FIRST)]
async fn api_call_first() -> Result<u32, Rejection> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn enabled_alone_after_the_first_call_fixes_no_setting() {
    assert_eq!(api_call_first().await, Ok(1));
    let api = resile::rate_limiter("overlay-api-call-first");
    apply_toml("[rate_limit.overlay-api-call-first]\nenabled = false").unwrap();
    assert_eq!((api.config().unwrap().rate, api.source()), (2.0, Some(Source::Declared)));
    apply_toml("[rate_limit.overlay-api-call-first]\nenabled = true").unwrap();
    assert_eq!((api.config().unwrap().rate, api.source()), (2.0, Some(Source::Declared)));
}

const FULL: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("overlay-full").window_size(20);

#[resile::circuit_breaker(policy = FULL)]
async fn full() -> Result<u32, Rejection> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn reconfigure_sets_every_key_before_or_after_the_declaration() {
    let handle = resile::circuit_breaker("overlay-full");
    let whole = CircuitBreakerConfig::new().window_size(7).minimum_calls(3);
    handle.reconfigure(whole).unwrap();
    assert_eq!(full().await, Ok(1));
    assert_eq!((handle.config(), handle.source()), (Some(whole), Some(Source::Live)));
    // After a file too: the file's keys go, every key is the handle's.
    apply_toml("[circuit_breaker.overlay-full]\nopen_timeout = \"30s\"").unwrap();
    assert_eq!(
        handle.config(),
        Some(CircuitBreakerConfig::new().window_size(20).open_timeout(Duration::from_secs(30)))
    );
    handle.reconfigure(whole).unwrap();
    assert_eq!(handle.config(), Some(whole));
}

const LATER: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("overlay-later").window_size(20);

#[resile::circuit_breaker(policy = LATER)]
async fn later() -> Result<u32, Rejection> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_later_file_is_the_whole_live_truth_for_the_sections_it_names() {
    let handle = resile::circuit_breaker("overlay-later");
    apply_toml(
        "[circuit_breaker.overlay-later]\nopen_timeout = \"30s\"\n\
         [circuit_breaker.overlay-later-other]\nminimum_calls = 5",
    )
    .unwrap();
    assert_eq!(later().await, Ok(1));
    // The second file names `failure_rate_threshold` for `overlay-later`: its `open_timeout`
    // is no longer live and goes back to the declared value (the default here); the section
    // the file does not name keeps its live keys.
    let applied = apply_toml("[circuit_breaker.overlay-later]\nfailure_rate_threshold = 0.25").unwrap();
    assert_eq!(applied.changes[0].keys, ["failure_rate_threshold", "open_timeout"]);
    assert_eq!(
        (handle.config(), handle.source()),
        (Some(CircuitBreakerConfig::new().window_size(20).failure_rate_threshold(0.25)), Some(Source::Live))
    );
    let other = resile::circuit_breaker("overlay-later-other");
    assert_eq!(
        (other.config(), other.source()),
        (Some(CircuitBreakerConfig::new().minimum_calls(5)), Some(Source::Live))
    );
    // A section with no key left makes nothing live: the declaration is back in force.
    apply_toml("[circuit_breaker.overlay-later]\n").unwrap();
    assert_eq!(
        (handle.config(), handle.source()),
        (Some(CircuitBreakerConfig::new().window_size(20)), Some(Source::Declared))
    );
}

const SMALL: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("overlay-small").window_size(20);

#[resile::circuit_breaker(policy = SMALL)]
async fn small() -> Result<u32, Rejection> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn live_keys_that_break_a_rule_over_a_later_declaration_are_reported_and_nothing_changes() {
    let (events, _guard) = Events::capture();
    apply_toml("[circuit_breaker.overlay-small]\nminimum_calls = 50").unwrap();
    let handle = resile::circuit_breaker("overlay-small");
    let live = CircuitBreakerConfig::new().minimum_calls(50);
    assert_eq!(handle.config(), Some(live));
    assert_eq!(small().await, Ok(1));
    assert_eq!((handle.config(), handle.source()), (Some(live), Some(Source::Live)));
    let errors = events.at(Level::ERROR);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("[circuit_breaker.overlay-small] minimum_calls"), "{}", errors[0]);
}
