//! Generated code is lint-clean: every attribute, in every shape, under `deny(warnings)` and
//! clippy's pedantic group (checked by `cargo clippy --all-targets -- -D warnings` in CI).

#![deny(warnings, rust_2018_idioms, unused_qualifications, clippy::all, clippy::pedantic)]
#![allow(clippy::unused_async)]

use std::time::Duration;

use resile::Rejection;

#[derive(Debug, PartialEq, Eq)]
enum Error {
    Transient,
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

fn is_transient(e: &Error) -> bool {
    *e == Error::Transient
}

fn log_retry(attempt: u32, delay: Duration, error: &Error) {
    let _ = (attempt, delay, error);
}

#[resile::retry(
    max = 4,
    backoff = "exp",
    base_delay = "10ms",
    max_delay = "1s",
    multiplier = 3.0,
    jitter = 0.2,
    budget = "5s",
    retry_if = is_transient,
    on_retry = log_retry,
    retry_budget = "lint"
)]
#[resile::timeout("100ms")]
async fn everything(id: u64, name: &str) -> Result<u64, Error> {
    let len = u64::try_from(name.len()).map_err(|_| Error::Transient)?;
    if id == 0 {
        return Err(Error::Transient);
    }
    Ok(id + len)
}

#[resile::timeout(after = "1s")]
#[resile::retry(backoff = ["10ms", "20ms"])]
async fn list_backoff() -> Result<(), Error> {
    Ok(())
}

fn classify(result: &Result<u64, Error>) -> resile::Outcome {
    resile::Outcome::of(result)
}

fn log_change(name: &str, from: resile::State, to: resile::State) {
    let _ = (name, from, to);
}

fn is_fatal(e: &Error) -> bool {
    matches!(e, Error::Rejected(_))
}

fn log_hedge(attempt: u32) {
    let _ = attempt;
}

#[resile::retry(max = 2, retry_if = is_transient)]
#[resile::circuit_breaker(
    name = "lint",
    window = "time",
    window_size = 30,
    failure_rate_threshold = 0.5,
    slow_call_threshold = "1s",
    slow_call_rate_threshold = 0.8,
    minimum_calls = 5,
    open_timeout = "30s",
    permitted_calls_in_half_open = 2,
    should_record = classify,
    on_state_change = log_change
)]
#[resile::hedge(
    percentile = 95.0,
    max_requests = 3,
    timeout = "2s",
    name = "lint",
    buffer_size = 500,
    min_samples = 20,
    initial_delay = "50ms",
    min_delay = "5ms",
    max_delay = "1s",
    token_max = 20,
    token_success_credit = 0.2,
    token_hedge_cost = 1,
    token_threshold = 2.0,
    fatal = is_fatal,
    on_hedge = log_hedge
)]
#[resile::timeout("500ms")]
async fn every_policy(id: u64, tag: &str) -> Result<u64, Error> {
    Ok(id + u64::try_from(tag.len()).map_err(|_| Error::Transient)?)
}

#[resile::retry(max = 2, retry_if = is_transient)]
#[resile::circuit_breaker(name = "lint-admission")]
#[resile::bulkhead(name = "lint-admission", max_concurrent = 4, max_wait = "10ms", weight = 2)]
#[resile::rate_limit(name = "lint-admission", rate = 100, burst_size = 10, weight = 2, max_wait = "10ms")]
#[resile::timeout("500ms")]
async fn every_admission(id: u64) -> Result<u64, Error> {
    Ok(id)
}

#[resile::bulkhead(name = "lint-bulkhead", max_concurrent = 1)]
#[resile::rate_limit(name = "lint-rate-limit", rate = 1)]
async fn admissions_without_waits(id: u64) -> Result<u64, Error> {
    Ok(id)
}

struct Repo {
    hits: u32,
}

impl Repo {
    #[resile::retry(max = 2, jitter = "none")]
    async fn bump(&mut self) -> Result<u32, Error> {
        self.hits += 1;
        Ok(self.hits)
    }

    #[resile::bulkhead(name = "lint-method", max_concurrent = 1, max_wait = "1ms")]
    #[resile::rate_limit(name = "lint-method", rate = 10, max_wait = "1ms")]
    async fn bump_guarded(&mut self) -> Result<u32, Error> {
        self.hits += 1;
        Ok(self.hits)
    }
}

const LINT_BREAKER: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("lint-policy").window_size(20);
const LINT_POOL: resile::BulkheadPolicy = resile::BulkheadPolicy::named("lint-policy", 2);
const LINT_LIMIT: resile::RateLimitPolicy = resile::RateLimitPolicy::named("lint-policy", 100.0);
const LINT_HEDGE: resile::HedgePolicy = resile::HedgePolicy::named("lint-policy").timeout(Duration::from_secs(1));

#[resile::retry(policy = resile::presets::PRODUCTION, max = 2, retry_if = resile::presets::is_transient)]
#[resile::circuit_breaker(policy = LINT_BREAKER, on_state_change = log_change)]
#[resile::bulkhead(policy = LINT_POOL, max_wait = "1ms")]
#[resile::rate_limit(policy = LINT_LIMIT)]
#[resile::hedge(policy = LINT_HEDGE, delay = "50ms")]
async fn every_policy_by_path(id: u64) -> Result<u64, Error> {
    Ok(id)
}

/// A retry above a breaker and a limiter, retrying into them on purpose: `allow` silences
/// both warnings, so nothing is emitted for them.
#[resile::retry(max = 2, jitter = "none", allow = ["retry_into_open_breaker", "retry_into_rate_limit"])]
#[resile::circuit_breaker(name = "lint-allowed")]
#[resile::rate_limit(name = "lint-allowed", rate = 100)]
async fn retry_into_admissions_allowed(id: u64) -> Result<u64, Error> {
    Ok(id)
}

/// Keyed instances, a `&str` key and an integer key, waiting and not.
#[resile::retry(max = 2, retry_if = is_transient)]
#[resile::circuit_breaker(name = "lint-keyed", key = tenant, max_keys = 100)]
#[resile::bulkhead(name = "lint-keyed", max_concurrent = 4, max_wait = "10ms", key = tenant)]
#[resile::rate_limit(name = "lint-keyed", rate = 100, key = id)]
async fn keyed(tenant: &str, id: u64) -> Result<u64, Error> {
    Ok(id + u64::try_from(tenant.len()).map_err(|_| Error::Transient)?)
}

impl From<resile::chaos::ChaosError> for Error {
    fn from(_: resile::chaos::ChaosError) -> Self {
        Error::Transient
    }
}

/// Chaos in a stack, every key, and a named one with its error expression.
#[resile::retry(max = 3, jitter = "none", retry_if = is_transient)]
#[resile::timeout("1s")]
#[resile::chaos(error_rate = 0.1, latency = "5ms", latency_rate = 0.5, hang_rate = 0.01, seed = 7)]
async fn chaotic(id: u64) -> Result<u64, Error> {
    Ok(id)
}

#[resile::chaos(name = "lint-chaos", error_rate = 0.5, seed = 1, error = Error::Transient)]
async fn chaos_named(id: &str) -> Result<usize, Error> {
    Ok(id.len())
}

impl resile::presets::Transient for Error {
    fn is_transient(&self) -> bool {
        is_transient(self)
    }
}

#[tokio::test(start_paused = true)]
async fn lint_clean_expansions_run() {
    assert_eq!(every_policy_by_path(8).await, Ok(8));
    assert_eq!(retry_into_admissions_allowed(9).await, Ok(9));
    assert_eq!(everything(1, "ab").await, Ok(3));
    assert_eq!(list_backoff().await, Ok(()));
    assert_eq!(every_policy(2, "abc").await, Ok(5));
    assert_eq!(every_admission(6).await, Ok(6));
    assert_eq!(admissions_without_waits(7).await, Ok(7));
    assert_eq!(keyed("ab", 1).await, Ok(3));
    assert_eq!(chaotic(4).await, Ok(4));
    assert!(matches!(chaos_named("abc").await, Ok(3) | Err(Error::Transient)));
    let mut repo = Repo { hits: 0 };
    assert_eq!(repo.bump().await, Ok(1));
    assert_eq!(repo.bump_guarded().await, Ok(2));
}
