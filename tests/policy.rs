//! Policies declared in code and referenced by path (`policy = PATH`), on tokio's paused
//! clock: a policy used by several functions is one declaration of one instance, its
//! settings show through the handle, an override applies to its site only, and a site that
//! gives only a name declares nothing, whichever function runs first.

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use resile::registry::Source;
use resile::{BulkheadPolicy, CircuitBreakerPolicy, HedgePolicy, RateLimitPolicy, Rejection, RetryPolicy, State};
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Down,
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

// ---- one breaker policy, two functions -------------------------------------------------------

const DB: CircuitBreakerPolicy = CircuitBreakerPolicy::named("policy-db")
    .window_size(4)
    .minimum_calls(4)
    .failure_rate_threshold(0.5)
    .open_timeout(Duration::from_secs(10));

#[resile::circuit_breaker(policy = DB)]
async fn reads(ok: bool) -> Result<u32, Error> {
    if ok { Ok(1) } else { Err(Error::Down) }
}

#[resile::circuit_breaker(policy = DB)]
async fn writes(ok: bool) -> Result<u32, Error> {
    if ok { Ok(2) } else { Err(Error::Down) }
}

#[tokio::test(start_paused = true)]
async fn two_functions_with_one_policy_share_one_breaker() {
    assert_eq!(writes(true).await, Ok(2));
    let cb = resile::circuit_breaker("policy-db");
    assert_eq!(cb.config(), Some(DB.config));
    assert_eq!(cb.source(), Some(Source::Declared));
    for _ in 0..3 {
        assert_eq!(reads(false).await, Err(Error::Down));
    }
    // Four calls recorded (one success, three failures): the breaker opens, and the other
    // function is refused by it.
    assert_eq!(cb.state(), State::Open);
    assert_eq!(writes(true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "policy-db" })));
    assert_eq!(reads(true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "policy-db" })));
    tokio::time::advance(Duration::from_secs(10)).await;
    assert_eq!(writes(true).await, Ok(2), "the policy's open_timeout");
    assert_eq!(cb.state(), State::Closed);
}

// ---- a name-only site declares nothing, whichever runs first ---------------------------------

const FIRST: CircuitBreakerPolicy = CircuitBreakerPolicy::named("policy-ref-first").window_size(20).minimum_calls(5);
const LAST: CircuitBreakerPolicy = CircuitBreakerPolicy::named("policy-ref-last").window_size(30).minimum_calls(6);

#[resile::circuit_breaker(name = "policy-ref-first")]
async fn refers_first() -> Result<(), Error> {
    Ok(())
}

#[resile::circuit_breaker(policy = FIRST)]
async fn declares_second() -> Result<(), Error> {
    Ok(())
}

#[resile::circuit_breaker(policy = LAST)]
async fn declares_first() -> Result<(), Error> {
    Ok(())
}

#[resile::circuit_breaker(name = "policy-ref-last")]
async fn refers_second() -> Result<(), Error> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_name_only_site_declares_nothing_whichever_runs_first() {
    // The reference runs first: the breaker starts with the defaults, then takes the
    // declaration when the declaring function first runs.
    refers_first().await.unwrap();
    let first = resile::circuit_breaker("policy-ref-first");
    assert_eq!(first.source(), Some(Source::Default));
    assert_eq!(first.config(), Some(resile::CircuitBreakerConfig::new()));
    declares_second().await.unwrap();
    refers_first().await.unwrap();
    assert_eq!((first.source(), first.config()), (Some(Source::Declared), Some(FIRST.config)));

    // The declaration runs first: the reference finds it and changes nothing.
    declares_first().await.unwrap();
    refers_second().await.unwrap();
    let last = resile::circuit_breaker("policy-ref-last");
    assert_eq!((last.source(), last.config()), (Some(Source::Declared), Some(LAST.config)));
    assert_eq!(last.stats().total, 2, "both functions record into one breaker");
}

// ---- retry: an override applies to its site only ---------------------------------------------

const FETCH: RetryPolicy = RetryPolicy::new().max(4).base_delay(ms(10)).jitter(resile::retry::Jitter::None);

fn fail(calls: &AtomicU32) -> Result<(), Error> {
    calls.fetch_add(1, SeqCst);
    Err(Error::Down)
}

#[resile::retry(policy = FETCH)]
async fn fetch_policy(calls: &AtomicU32) -> Result<(), Error> {
    fail(calls)
}

#[resile::retry(policy = FETCH, max = 2)]
async fn fetch_twice(calls: &AtomicU32) -> Result<(), Error> {
    fail(calls)
}

#[resile::retry(policy = FETCH, backoff = "constant")]
async fn fetch_constant(calls: &AtomicU32) -> Result<(), Error> {
    fail(calls)
}

/// (attempts, elapsed virtual time) of one call.
async fn attempts<F: Future<Output = Result<(), Error>>>(f: impl FnOnce(&'static AtomicU32) -> F) -> (u32, Duration) {
    let calls: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));
    let start = Instant::now();
    assert_eq!(f(calls).await, Err(Error::Down));
    (calls.load(SeqCst), start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn an_override_applies_to_its_site_only() {
    assert_eq!(attempts(fetch_policy).await, (4, ms(10 + 20 + 40)));
    assert_eq!(attempts(fetch_twice).await, (2, ms(10)));
    assert_eq!(attempts(fetch_constant).await, (4, ms(10 + 10 + 10)));
    // And the policy's own site is unchanged by the others.
    assert_eq!(attempts(fetch_policy).await, (4, ms(70)));
}

// ---- bulkhead, rate limit, hedge ---------------------------------------------------------------

const POOL: BulkheadPolicy = BulkheadPolicy::named("policy-pool", 2);

#[resile::bulkhead(policy = POOL)]
async fn light() -> Result<(), Error> {
    tokio::time::sleep(ms(100)).await;
    Ok(())
}

/// Takes the whole pool: `weight` belongs to the site.
#[resile::bulkhead(policy = POOL, weight = 2)]
async fn heavy() -> Result<(), Error> {
    tokio::time::sleep(ms(100)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_bulkhead_policy_with_a_weight_override() {
    let (a, b) = tokio::join!(light(), heavy());
    assert_eq!(a, Ok(()));
    assert_eq!(b, Err(Error::Rejected(Rejection::BulkheadFull { name: "policy-pool" })), "1 + 2 > 2");
    let pool = resile::bulkhead("policy-pool");
    assert_eq!((pool.config(), pool.source()), (Some(POOL.config), Some(Source::Declared)));
    assert_eq!(heavy().await, Ok(()));
}

const API: RateLimitPolicy = RateLimitPolicy::named("policy-api", 2.0);

#[resile::rate_limit(policy = API)]
async fn call_api() -> Result<(), Error> {
    Ok(())
}

#[resile::rate_limit(policy = API, max_wait = "500ms")]
async fn call_api_waiting() -> Result<(), Error> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_policy_with_a_wait_override() {
    assert_eq!((call_api().await, call_api().await), (Ok(()), Ok(())));
    assert_eq!(
        call_api().await,
        Err(Error::Rejected(Rejection::RateLimited { name: "policy-api", retry_after: ms(500) }))
    );
    let start = Instant::now();
    assert_eq!(call_api_waiting().await, Ok(()));
    assert_eq!(start.elapsed(), ms(500), "this site waits for the next token");
    assert_eq!(resile::rate_limiter("policy-api").config(), Some(API.config));
}

const READ: HedgePolicy = HedgePolicy::named("policy-replicas").delay(ms(20)).max_requests(3);
static HEDGED: AtomicU32 = AtomicU32::new(0);

#[resile::hedge(policy = READ)]
async fn read() -> Result<u32, Error> {
    let attempt = HEDGED.fetch_add(1, SeqCst) + 1;
    // The first attempt hangs; the second answers after 5 ms.
    tokio::time::sleep(if attempt == 1 { Duration::from_secs(60) } else { ms(5) }).await;
    Ok(attempt)
}

#[tokio::test(start_paused = true)]
async fn a_hedge_policy_names_its_tracker() {
    let start = Instant::now();
    assert_eq!(read().await, Ok(2));
    assert_eq!(start.elapsed(), ms(25));
    assert_eq!(HEDGED.load(SeqCst), 2);
    assert_eq!(resile::hedge_tracker("policy-replicas").stats().hedged_requests, 1);
}

// ---- backoff lists: in a policy, and written next to one ----------------------------------------

const LISTED: RetryPolicy =
    RetryPolicy::new().backoff(resile::retry::Backoff::List(&[ms(5), ms(15)])).jitter(resile::retry::Jitter::None);

#[resile::retry(policy = LISTED)]
async fn listed(calls: &AtomicU32) -> Result<(), Error> {
    fail(calls)
}

#[resile::retry(policy = FETCH, backoff = ["1ms", "2ms"])]
async fn listed_here(calls: &AtomicU32) -> Result<(), Error> {
    fail(calls)
}

#[tokio::test(start_paused = true)]
async fn backoff_lists_in_and_next_to_a_policy() {
    assert_eq!(attempts(listed).await, (3, ms(20)));
    // The list sets `max` to its length + 1 over the policy's 4.
    assert_eq!(attempts(listed_here).await, (3, ms(3)));
}

/// The rules about a written key apply to a policy as to the attribute: each of these is a
/// compile error written inline, and a policy's `validate` (what `check` runs in a `const`)
/// refuses it too, naming the key; written with the keys that make it meaningful, it passes.
#[test]
fn a_policy_is_checked_like_the_attribute_about_written_keys() {
    use std::time::Duration;

    use resile::retry::Backoff;
    use resile::{CircuitBreakerPolicy, HedgePolicy, RetryPolicy};
    let refused = [
        HedgePolicy::new().min_samples(20).validate(),
        HedgePolicy::new().percentile(95.0).delay(Duration::from_millis(50)).validate(),
        RetryPolicy::new().backoff(Backoff::Linear).multiplier(3.0).validate(),
        CircuitBreakerPolicy::named("written-keys").slow_call_rate_threshold(0.5).validate(),
    ];
    let keys: Vec<&str> = refused.iter().map(|r| r.as_ref().map_or_else(|e| e.key(), |()| "accepted")).collect();
    assert_eq!(keys, ["min_samples", "delay", "multiplier", "slow_call_rate_threshold"]);
    let accepted = [
        HedgePolicy::new().percentile(95.0).min_samples(20).validate(),
        RetryPolicy::new().backoff(Backoff::Exponential).multiplier(3.0).validate(),
        CircuitBreakerPolicy::named("written-keys")
            .slow_call_threshold(Duration::from_secs(1))
            .slow_call_rate_threshold(0.5)
            .validate(),
    ];
    assert!(accepted.iter().all(Result::is_ok), "{accepted:?}");
}
