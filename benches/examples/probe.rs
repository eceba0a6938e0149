//! What a user pays per call for each attribute, and for the peer crates doing the same work,
//! in instructions counted by callgrind (`instr-per-call.sh`):
//!
//! ```sh
//! cargo build --release -p resile-benches --example probe
//! ../shared/tools/instr-per-call.sh target/release/examples/probe raw {N}
//! ../shared/tools/instr-per-call.sh target/release/examples/probe retry {N}
//! benches/probe.sh                    # every mode, as a table (or: benches/probe.sh raw retry ...)
//! ```
//!
//! `probe <mode> N` builds one current-thread tokio runtime (time enabled) and awaits N calls
//! of one trivial `async fn` (body `Ok(black_box(x))`) in a loop, bare or guarded, so the
//! difference of a mode and `raw` is what the guard costs per call. The resile modes use the
//! public attributes only, exactly as a user writes them; no tracing subscriber and no
//! observer are installed.
//!
//! Build it with `-p resile-benches` as above: tokio's `test-util` feature is then off, as
//! in a user's release build. (The root package's dev-dependencies and `ui-tests` turn it on;
//! a `--workspace` build would unify it in, and every tokio clock read would first check for
//! a paused clock.) `cargo tree -p resile-benches -e features -i tokio` shows no `test-util`.
//!
//! Modes:
//! - `raw`: the bare `async fn`;
//! - `retry`: `#[resile::retry(max = 3)]`;
//! - `timeout`: `#[resile::timeout("1s")]`;
//! - `tokio_timeout`: a bare `tokio::time::timeout(1s, raw(x))`, mapped to the same `Result`;
//! - `circuit_breaker`: `#[resile::circuit_breaker(name = "probe")]`, closed, every call succeeds;
//! - `circuit_breaker_keyed`: `#[resile::circuit_breaker(name = .., key = ..)]` with a `u64`
//!   key, one hot key; `circuit_breaker_keyed_str`: the same with a `&str` key;
//! - `circuit_breaker_open`: a breaker tripped `Open` by failing calls first; every call of
//!   the loop is rejected (the rejection path);
//! - `circuit_breaker_forced_open`: a breaker forced open with
//!   `resile::circuit_breaker(name).force_open()`; every call is rejected;
//! - `circuit_breaker_declared`: `#[resile::circuit_breaker(name = .., window_size = 50)]`,
//!   and `circuit_breaker_policy`: the same settings as a `const` `CircuitBreakerPolicy`
//!   used with `policy = PATH` (the two must cost the same);
//! - `retry_production` (`#[resile::retry(max = 3, base_delay = "50ms", max_delay =
//!   "500ms", jitter = 0.25)]`) and `retry_policy` (`policy = resile::presets::PRODUCTION`,
//!   the same settings);
//! - `bulkhead_policy`: `bulkhead` through a `const` `BulkheadPolicy`, and
//!   `bulkhead_may_wait`: `bulkhead` with `max_wait = "10ms"` (a site with a wait path, as a
//!   policy site keeps one: the macro cannot see the policy's `max_wait`);
//! - `rate_limit_policy`: `rate_limit` through a `const` `RateLimitPolicy`;
//! - `hedge`: `#[resile::hedge(delay = "1s")]` (no hedge fires);
//! - `stack`: `#[resile::retry(max = 3)] #[resile::circuit_breaker(..)] #[resile::timeout("1s")]`;
//! - `retry_method`, `timeout_method`, `circuit_breaker_method`, `hedge_method`,
//!   `stack_method`: the same attributes on a method (`&self`) of a unit struct;
//! - `bulkhead`: `#[resile::bulkhead(name = "probe", max_concurrent = 64)]`, permits free;
//! - `rate_limit`: `#[resile::rate_limit(name = "probe", rate = 1e9)]`, tokens always there;
//! - `circuit_breaker_off`, `bulkhead_off`, `rate_limit_off`: the `circuit_breaker`,
//!   `bulkhead` and `rate_limit` modes after `resile::config::set_enabled(false)`: every call
//!   passes unguarded (what a call costs while an operator has the policies turned off);
//! - `chaos`: `#[resile::chaos(name = "probe-chaos", error_rate = 0.0, seed = 1, ..)]`, every
//!   call's numbers drawn and no fault injected; `chaos_disabled`: the same after
//!   `resile::chaos("probe-chaos").set_enabled(false)` (without the cargo feature `chaos`
//!   the attribute expands to nothing: `raw`);
//! - `admission_stack`: `#[resile::retry(max = 3)] #[resile::circuit_breaker(..)]
//!   #[resile::bulkhead(..)] #[resile::rate_limit(..)]`, every admission succeeding;
//! - deadline propagation: `deadline_none` (a `#[resile::retry(max = 3)]` fn as `retry`'s,
//!   called with no enclosing deadline), `deadline_nested` (a `#[resile::timeout("1s")]` fn
//!   awaiting that fn, which runs under the deadline) and `deadline_nested_bare` (the same
//!   timeout over `raw`): `deadline_nested − deadline_nested_bare` is what the inner call
//!   pays under a deadline, `deadline_none − raw` what it pays with none;
//! - peers of the admissions: `semaphore` (a `static` tokio `Semaphore`: `try_acquire`, the
//!   body, the permit dropped) and `governor` (a `governor` direct limiter, default clock,
//!   10^9 per second like `rate_limit`, built once: `check()`, then the body); each with the
//!   same body as the attributes', written in the function as a user would write it by hand;
//! - peers: `tower_retry` (tower's `Retry` over a `service_fn` of `raw`, with a policy that
//!   never retries an `Ok`), `tower_timeout` (tower's `Timeout` over the same), `backon_retry`
//!   (`(|| raw(x)).retry(ExponentialBuilder::default())`), `recloser_async` (`AsyncRecloser`
//!   around `raw`), `failsafe_async` (failsafe's futures API around `raw`) and
//!   `tower_resilience_cb` (tower-resilience's circuit breaker service over `raw`), each
//!   closed and succeeding.

use std::cell::RefCell;
use std::future::{Ready, poll_fn, ready};
use std::hint::black_box;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use resile::{Rejection, State};
use tower::{BoxError, Service, ServiceExt, service_fn};

#[derive(Debug)]
enum E {
    /// The body failed (only the calls that trip a breaker open fail).
    Failed,
    Rejected(Rejection),
}

impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for E {}

impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}

const DEADLINE: Duration = Duration::from_secs(1);

fn timed_out() -> E {
    E::Rejected(Rejection::TimedOut { after: DEADLINE })
}

fn circuit_open(name: &'static str) -> E {
    E::Rejected(Rejection::CircuitOpen { name })
}

// ---- resile, through the public attributes only

async fn raw(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3)]
async fn retried(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::timeout("1s")]
async fn timed(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

async fn tokio_timed(x: u64) -> Result<u64, E> {
    match tokio::time::timeout(DEADLINE, raw(x)).await {
        Ok(r) => r,
        Err(_) => Err(timed_out()),
    }
}

#[resile::circuit_breaker(name = "probe")]
async fn guarded(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// A breaker per key (SPEC §9); every call uses one hot key, so the lookup finds it.
#[resile::circuit_breaker(name = "probe-keyed", key = x >> 63)]
async fn guarded_keyed(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// As `guarded_keyed`, keyed by a `&str` (looked up as a `str`, no `String` made).
#[resile::circuit_breaker(name = "probe-keyed-str", key = host_of(x))]
async fn guarded_keyed_str(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// The host of call `x`: always the same one.
#[inline(always)]
fn host_of(x: u64) -> &'static str {
    if x >> 63 == 0 { "db.example.internal" } else { "other.example.internal" }
}

/// Shares the breaker `probe-open` with `failing`, declared identically, which trips it.
#[resile::circuit_breaker(name = "probe-open", window_size = 10, minimum_calls = 10, open_timeout = "1h")]
async fn guarded_open(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::circuit_breaker(name = "probe-open", window_size = 10, minimum_calls = 10, open_timeout = "1h")]
async fn failing(_x: u64) -> Result<u64, E> {
    Err(E::Failed)
}

#[resile::circuit_breaker(name = "probe-forced")]
async fn guarded_forced(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::circuit_breaker(name = "probe-declared", window_size = 50)]
async fn guarded_declared(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

const PROBE_BREAKER: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("probe-policy").window_size(50);

#[resile::circuit_breaker(policy = PROBE_BREAKER)]
async fn guarded_policy(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, base_delay = "50ms", max_delay = "500ms", jitter = 0.25)]
async fn retried_production(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(policy = resile::presets::PRODUCTION)]
async fn retried_policy(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

const PROBE_POOL: resile::BulkheadPolicy = resile::BulkheadPolicy::named("probe-policy", 64);

#[resile::bulkhead(policy = PROBE_POOL)]
async fn bulkheaded_policy(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::bulkhead(name = "probe-may-wait", max_concurrent = 64, max_wait = "10ms")]
async fn bulkheaded_may_wait(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

const PROBE_LIMIT: resile::RateLimitPolicy = resile::RateLimitPolicy::named("probe-policy", 1e12);

#[resile::rate_limit(policy = PROBE_LIMIT)]
async fn rate_limited_policy(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::hedge(delay = "1s")]
async fn hedged(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, allow = "retry_into_open_breaker")]
#[resile::circuit_breaker(name = "probe-stack")]
#[resile::timeout("1s")]
async fn stacked(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// A fault injector that draws every call's numbers and injects nothing (`error_rate`
/// zero): what `#[chaos]` costs a call it leaves alone.
#[resile::chaos(name = "probe-chaos", error_rate = 0.0, seed = 1, error = E::Failed)]
async fn chaotic(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::bulkhead(name = "probe", max_concurrent = 64)]
async fn bulkheaded(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::rate_limit(name = "probe", rate = 1e9)]
async fn rate_limited(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, allow = ["retry_into_open_breaker", "retry_into_rate_limit"])]
#[resile::circuit_breaker(name = "probe-admission")]
#[resile::bulkhead(name = "probe-admission", max_concurrent = 64)]
#[resile::rate_limit(name = "probe-admission", rate = 1e9)]
async fn admission_stacked(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// `retried` again, for `deadline_none` (a function of its own: one awaited from two places
/// would be inlined differently).
#[resile::retry(max = 3)]
async fn deadline_none(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// `retried` again, as the inner call of `deadline_nested`: a retry reads the enclosing
/// deadline only after a failure, to decide a sleep; this one never fails.
#[resile::retry(max = 3)]
async fn retried_inner(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::timeout("1s")]
async fn deadline_nested(x: u64) -> Result<u64, E> {
    retried_inner(x).await
}

#[resile::timeout("1s")]
async fn deadline_nested_bare(x: u64) -> Result<u64, E> {
    raw(x).await
}

/// The same attributes on methods (`&self`), whose telemetry names the impl type.
struct Probe;

impl Probe {
    #[resile::retry(max = 3)]
    async fn retried(&self, x: u64) -> Result<u64, E> {
        Ok(black_box(x))
    }

    #[resile::timeout("1s")]
    async fn timed(&self, x: u64) -> Result<u64, E> {
        Ok(black_box(x))
    }

    #[resile::circuit_breaker(name = "probe-method")]
    async fn guarded(&self, x: u64) -> Result<u64, E> {
        Ok(black_box(x))
    }

    #[resile::hedge(delay = "1s")]
    async fn hedged(&self, x: u64) -> Result<u64, E> {
        Ok(black_box(x))
    }

    #[resile::retry(max = 3, allow = "retry_into_open_breaker")]
    #[resile::circuit_breaker(name = "probe-method-stack")]
    #[resile::timeout("1s")]
    async fn stacked(&self, x: u64) -> Result<u64, E> {
        Ok(black_box(x))
    }
}

// ---- peers

/// tower's retry with a policy that retries errors only (never an `Ok`), up to 3 attempts,
/// as `#[retry(max = 3)]` does.
#[derive(Clone, Copy)]
struct RetryErrors(u32);

impl<Req: Clone, Res, Err> tower::retry::Policy<Req, Res, Err> for RetryErrors {
    type Future = Ready<()>;
    fn retry(&mut self, _req: &mut Req, result: &mut Result<Res, Err>) -> Option<Self::Future> {
        match result {
            Err(_) if self.0 > 1 => {
                self.0 -= 1;
                Some(ready(()))
            }
            _ => None,
        }
    }
    fn clone_request(&mut self, req: &Req) -> Option<Req> {
        Some(req.clone())
    }
}

/// tower `Retry` over `service_fn(raw)`. Both are plain values (a `u32` and a function), so
/// building the service per call costs what cloning a shared one would.
async fn tower_retry(x: u64) -> Result<u64, E> {
    let mut svc = tower::retry::Retry::new(RetryErrors(3), service_fn(raw));
    svc.ready().await?.call(x).await
}

fn from_box(e: BoxError) -> E {
    match e.downcast::<E>() {
        Ok(e) => *e,
        Err(_) => timed_out(),
    }
}

/// tower `Timeout` over `service_fn(raw)`, built per call as `tower_retry` is.
async fn tower_timeout(x: u64) -> Result<u64, E> {
    let mut svc = tower::timeout::Timeout::new(service_fn(raw), DEADLINE);
    svc.ready().await.map_err(from_box)?.call(x).await.map_err(from_box)
}

static SEMAPHORE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(64);

/// tokio's `Semaphore::try_acquire`, the call, the permit dropped: the bulkhead's peer.
async fn semaphore(x: u64) -> Result<u64, E> {
    let _permit = SEMAPHORE.try_acquire().map_err(|_| E::Rejected(Rejection::BulkheadFull { name: "semaphore" }))?;
    Ok(black_box(x))
}

type Governor = governor::DefaultDirectRateLimiter;

/// governor's `check()` (its default clock: quanta), then the call: the rate limiter's peer.
async fn governed(limiter: &Governor, x: u64) -> Result<u64, E> {
    match limiter.check() {
        Ok(()) => Ok(black_box(x)),
        Err(_) => Err(E::Rejected(Rejection::RateLimited { name: "governor", retry_after: Duration::ZERO })),
    }
}

async fn backon_retry(x: u64) -> Result<u64, E> {
    (|| raw(x)).retry(ExponentialBuilder::default()).await
}

async fn recloser_async(breaker: &recloser::AsyncRecloser, x: u64) -> Result<u64, E> {
    match breaker.call(raw(x)).await {
        Ok(v) => Ok(v),
        Err(recloser::Error::Inner(e)) => Err(e),
        Err(recloser::Error::Rejected) => Err(circuit_open("recloser")),
    }
}

async fn failsafe_async(breaker: &impl failsafe::futures::CircuitBreaker, x: u64) -> Result<u64, E> {
    match breaker.call(raw(x)).await {
        Ok(v) => Ok(v),
        Err(failsafe::Error::Inner(e)) => Err(e),
        Err(failsafe::Error::Rejected) => Err(circuit_open("failsafe")),
    }
}

/// A tower service built once and shared by the loop's calls: `poll_ready`, then `call`
/// (tower-resilience's breaker returns a `'static` boxed future, so the borrow ends at once).
async fn tower_resilience_cb<S>(svc: &RefCell<S>, x: u64) -> Result<u64, E>
where
    S: Service<u64, Response = u64, Error = tower_resilience::circuitbreaker::CircuitBreakerError<E>>,
{
    let to_e = |e| match e {
        tower_resilience::circuitbreaker::CircuitBreakerError::Inner(e) => e,
        tower_resilience::circuitbreaker::CircuitBreakerError::OpenCircuit => circuit_open("tower-resilience"),
    };
    poll_fn(|cx| svc.borrow_mut().poll_ready(cx)).await.map_err(to_e)?;
    let response = svc.borrow_mut().call(x);
    response.await.map_err(to_e)
}

// ---- the loop

/// Runs one mode's loop to completion. Not inlined, and generic over the mode's future, so
/// each mode's loop is a function of its own: the modes do not share one giant function's
/// register allocation, and a change to one mode's code cannot move another's count.
#[inline(never)]
fn run<F: Future<Output = Outcome>>(rt: &tokio::runtime::Runtime, fut: F) -> Outcome {
    rt.block_on(fut)
}

/// Awaits `n` calls; every call must succeed.
async fn drive<F: Future<Output = Result<u64, E>>>(n: u64, call: impl Fn(u64) -> F) -> u64 {
    let mut sum = 0u64;
    for i in 0..n {
        sum = sum.wrapping_add(call(black_box(i)).await.unwrap());
    }
    sum
}

/// Awaits `n` calls that an open breaker may reject: the sum of the successes and the number
/// of rejections.
async fn drive_rejected<F: Future<Output = Result<u64, E>>>(n: u64, call: impl Fn(u64) -> F) -> (u64, u64) {
    let (mut sum, mut rejected) = (0u64, 0u64);
    for i in 0..n {
        let result = call(black_box(i)).await;
        rejected += u64::from(matches!(result, Err(E::Rejected(Rejection::CircuitOpen { .. }))));
        sum = sum.wrapping_add(result.unwrap_or(0));
    }
    (sum, rejected)
}

const MODES: &str = "raw|retry|timeout|tokio_timeout|circuit_breaker|circuit_breaker_open|circuit_breaker_forced_open|\
circuit_breaker_declared|circuit_breaker_policy|retry_production|retry_policy|bulkhead_policy|bulkhead_may_wait|\
rate_limit_policy|hedge|stack|bulkhead|rate_limit|circuit_breaker_off|bulkhead_off|rate_limit_off|admission_stack|semaphore|governor|retry_method|timeout_method|circuit_breaker_method|hedge_method|stack_method|\
deadline_none|deadline_nested|deadline_nested_bare|tower_retry|tower_timeout|backon_retry|recloser_async|failsafe_async|tower_resilience_cb|chaos|chaos_disabled";

enum Outcome {
    /// Every call succeeded; the sum of the results.
    Succeeded(u64),
    /// Every call may have been rejected: the sum of the successes, the number of rejections.
    Rejected(u64, u64),
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(n)) = (args.next(), args.next().and_then(|n| n.parse::<u64>().ok())) else {
        eprintln!("usage: probe <{MODES}> N");
        std::process::exit(2);
    };
    // `PROBE_FEATURES=prometheus`: every metric goes to the Prometheus recorder.
    #[cfg(feature = "prometheus")]
    metrics::set_global_recorder(metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder())
        .expect("the only recorder");
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let outcome = match mode.as_str() {
        "raw" => run(&rt, async { Outcome::Succeeded(drive(n, raw).await) }),
        "retry" => run(&rt, async { Outcome::Succeeded(drive(n, retried).await) }),
        "timeout" => run(&rt, async { Outcome::Succeeded(drive(n, timed).await) }),
        "tokio_timeout" => run(&rt, async { Outcome::Succeeded(drive(n, tokio_timed).await) }),
        "circuit_breaker" => run(&rt, async { Outcome::Succeeded(drive(n, guarded).await) }),
        "circuit_breaker_keyed" => run(&rt, async { Outcome::Succeeded(drive(n, guarded_keyed).await) }),
        "circuit_breaker_keyed_str" => run(&rt, async { Outcome::Succeeded(drive(n, guarded_keyed_str).await) }),
        "circuit_breaker_open" => run(&rt, async {
            for i in 0..10 {
                assert!(matches!(failing(i).await, Err(E::Failed)));
            }
            assert_eq!(resile::circuit_breaker("probe-open").state(), State::Open);
            let (sum, rejected) = drive_rejected(n, guarded_open).await;
            Outcome::Rejected(sum, rejected)
        }),
        "circuit_breaker_forced_open" => run(&rt, async {
            resile::circuit_breaker("probe-forced").force_open();
            assert_eq!(resile::circuit_breaker("probe-forced").state(), State::ForcedOpen);
            let (sum, rejected) = drive_rejected(n, guarded_forced).await;
            Outcome::Rejected(sum, rejected)
        }),
        "circuit_breaker_declared" => run(&rt, async { Outcome::Succeeded(drive(n, guarded_declared).await) }),
        "circuit_breaker_policy" => run(&rt, async { Outcome::Succeeded(drive(n, guarded_policy).await) }),
        "retry_production" => run(&rt, async { Outcome::Succeeded(drive(n, retried_production).await) }),
        "retry_policy" => run(&rt, async { Outcome::Succeeded(drive(n, retried_policy).await) }),
        "bulkhead_policy" => run(&rt, async { Outcome::Succeeded(drive(n, bulkheaded_policy).await) }),
        "bulkhead_may_wait" => run(&rt, async { Outcome::Succeeded(drive(n, bulkheaded_may_wait).await) }),
        "rate_limit_policy" => run(&rt, async { Outcome::Succeeded(drive(n, rate_limited_policy).await) }),
        "hedge" => run(&rt, async { Outcome::Succeeded(drive(n, hedged).await) }),
        "stack" => run(&rt, async { Outcome::Succeeded(drive(n, stacked).await) }),
        "bulkhead" => run(&rt, async { Outcome::Succeeded(drive(n, bulkheaded).await) }),
        "rate_limit" => run(&rt, async { Outcome::Succeeded(drive(n, rate_limited).await) }),
        "circuit_breaker_off" => run(&rt, async {
            resile::config::set_enabled(false);
            Outcome::Succeeded(drive(n, guarded).await)
        }),
        "bulkhead_off" => run(&rt, async {
            resile::config::set_enabled(false);
            Outcome::Succeeded(drive(n, bulkheaded).await)
        }),
        "rate_limit_off" => run(&rt, async {
            resile::config::set_enabled(false);
            Outcome::Succeeded(drive(n, rate_limited).await)
        }),
        "chaos" => run(&rt, async { Outcome::Succeeded(drive(n, chaotic).await) }),
        "chaos_disabled" => run(&rt, async {
            resile::chaos("probe-chaos").set_enabled(false);
            Outcome::Succeeded(drive(n, chaotic).await)
        }),
        "admission_stack" => run(&rt, async { Outcome::Succeeded(drive(n, admission_stacked).await) }),
        "semaphore" => run(&rt, async { Outcome::Succeeded(drive(n, semaphore).await) }),
        "governor" => run(&rt, async {
            // 10^9 per second, as `rate_limited`; a burst governor never exhausts here.
            let quota = governor::Quota::with_period(Duration::from_nanos(1)).expect("a non-zero period");
            let limiter = Governor::direct(quota.allow_burst(std::num::NonZeroU32::MAX));
            Outcome::Succeeded(drive(n, |x| governed(&limiter, x)).await)
        }),
        "retry_method" => run(&rt, async { Outcome::Succeeded(drive(n, |x| Probe.retried(x)).await) }),
        "timeout_method" => run(&rt, async { Outcome::Succeeded(drive(n, |x| Probe.timed(x)).await) }),
        "circuit_breaker_method" => run(&rt, async { Outcome::Succeeded(drive(n, |x| Probe.guarded(x)).await) }),
        "hedge_method" => run(&rt, async { Outcome::Succeeded(drive(n, |x| Probe.hedged(x)).await) }),
        "stack_method" => run(&rt, async { Outcome::Succeeded(drive(n, |x| Probe.stacked(x)).await) }),
        "deadline_none" => run(&rt, async { Outcome::Succeeded(drive(n, deadline_none).await) }),
        "deadline_nested" => run(&rt, async { Outcome::Succeeded(drive(n, deadline_nested).await) }),
        "deadline_nested_bare" => run(&rt, async { Outcome::Succeeded(drive(n, deadline_nested_bare).await) }),
        "tower_retry" => run(&rt, async { Outcome::Succeeded(drive(n, tower_retry).await) }),
        "tower_timeout" => run(&rt, async { Outcome::Succeeded(drive(n, tower_timeout).await) }),
        "backon_retry" => run(&rt, async { Outcome::Succeeded(drive(n, backon_retry).await) }),
        "recloser_async" => run(&rt, async {
            let breaker: recloser::AsyncRecloser = recloser::Recloser::default().into();
            Outcome::Succeeded(drive(n, |x| recloser_async(&breaker, x)).await)
        }),
        "failsafe_async" => run(&rt, async {
            let breaker = failsafe::Config::new().build();
            Outcome::Succeeded(drive(n, |x| failsafe_async(&breaker, x)).await)
        }),
        "tower_resilience_cb" => run(&rt, async {
            let layer = tower_resilience::circuitbreaker::CircuitBreakerLayer::builder().build().unwrap();
            let svc = RefCell::new(tower::ServiceBuilder::new().layer(layer).service(service_fn(raw)));
            Outcome::Succeeded(drive(n, |x| tower_resilience_cb(&svc, x)).await)
        }),
        other => {
            eprintln!("unknown mode `{other}`; modes: {MODES}");
            std::process::exit(2);
        }
    };
    match outcome {
        Outcome::Succeeded(sum) => assert_eq!(sum, n.wrapping_mul(n.wrapping_sub(1)) / 2),
        Outcome::Rejected(sum, rejected) => {
            assert_eq!(rejected, n, "every call must be rejected");
            assert_eq!(sum, 0);
        }
    }
}
