//! [`RedisBackend`]: the connection, its health (with the reconnection backoff), and the
//! rate-limit decision: one `EVALSHA` of the GCRA script, or the [`Unavailable`] choice.
//! The backend's state ([`Inner`]) also holds the breakers it shares ([`Sharing`]), which
//! the task of [`breaker`](crate::breaker) carries over this connection;
//! [`connect`](crate::connect) puts the two together.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use redis::aio::MultiplexedConnection;
use resile_runtime::rate_limit::backend::{RemoteDecision, RemoteFuture, RemoteRateLimiter, RemoteRequest};
use resile_runtime::rate_limit::{Decision, RateLimitConfig, RateLimiter};

use crate::options::{Options, Unavailable};
use crate::script::GCRA;
use crate::sharing::Sharing;

/// A connection to Redis that decides rate limits and shares breaker state, for one
/// process (one replica). [`install`](crate::install) makes one and installs it for the
/// attributes; [`connect`](Self::connect) makes one that is not installed, to call
/// [`decide`](Self::decide) directly (or to run several "replicas" in one test).
///
/// Cloning is cheap: the clones share the connection.
#[derive(Clone)]
pub struct RedisBackend {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackend")
            .field("options", &self.inner.options)
            .field("available", &self.is_available())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) client: redis::Client,
    pub(crate) options: Options,
    script: redis::Script,
    /// The multiplexed connection; `None` after a failure, until the next attempt.
    conn: ArcSwapOption<MultiplexedConnection>,
    /// Where times count from (std's clock: the backoff is real time).
    origin: Instant,
    /// 0 while Redis answers; else nanoseconds since `origin` before which Redis is not
    /// asked (the backoff instant).
    down_until: AtomicU64,
    /// Failed attempts in a row (the backoff's exponent).
    failures: AtomicU32,
    /// One call at a time tries Redis again after the backoff instant; the others take
    /// the [`Unavailable`] choice meanwhile.
    probing: AtomicBool,
    /// The local limiters of `Unavailable::Local`, one per name, made on first need.
    local: RwLock<HashMap<&'static str, Arc<RateLimiter>>>,
    /// Serialises the reports of the mode, so that they come in order.
    reporting: Mutex<()>,
    pub(crate) sharing: Sharing,
}

/// The largest tolerance or wait the script takes, in microseconds: 2^52 (142 years), so
/// every sum stays exact in Lua's doubles.
const MAX_MICROS: u64 = 1 << 52;

impl RedisBackend {
    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// Whether Redis answered the last time it was asked (`false`: the
    /// [`Unavailable`] choice is in force until a call after the backoff instant gets an
    /// answer again).
    pub fn is_available(&self) -> bool {
        // Orderings: `Relaxed`, a flag read for information.
        self.inner.down_until.load(Ordering::Relaxed) == 0
    }

    /// The key of the limit `name`: `PREFIX:rl:NAME`.
    pub fn limit_key(&self, name: &str) -> String {
        format!("{}:rl:{name}", self.inner.options.key_prefix)
    }

    /// The decision for one call: the limit `request.name` with its `rate` and
    /// `burst_size`, the call's `weight` and `max_wait`. One round trip (`EVALSHA`; after a
    /// `SCRIPT FLUSH` or a server restart, `NOSCRIPT`, then `SCRIPT LOAD` and `EVALSHA`
    /// again), or, while Redis is unreachable, the [`Unavailable`] choice, without a
    /// round trip.
    pub async fn decide(&self, request: RemoteRequest) -> RemoteDecision {
        self.inner.decide(request).await
    }
}

/// The GCRA's constants of a request, in whole microseconds: `(cost, tau, max_wait)`;
/// `None` if the call's weight exceeds the burst (never admitted).
fn micros(config: &RateLimitConfig) -> Option<(u64, u64, u64)> {
    // `T = 10^6 / rate` µs, to the nearest microsecond and at least one: exact for every
    // rate that divides 10^6 (100 per second: 10 000 µs), else within half a microsecond.
    let interval = (1e6 / config.rate).round().clamp(1.0, MAX_MICROS as f64);
    let tau = (config.burst() * interval).floor().min(MAX_MICROS as f64) as u64;
    let cost = (f64::from(config.weight) * interval) as u64;
    if cost > tau {
        return None;
    }
    let max_wait = u64::try_from(config.max_wait.as_micros()).unwrap_or(u64::MAX).min(MAX_MICROS);
    Some((cost, tau, max_wait))
}

/// A multiplexed connection by `client`, or an error if none answers within `options.timeout`.
pub(crate) async fn connect(client: &redis::Client, options: &Options) -> redis::RedisResult<MultiplexedConnection> {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(options.timeout))
        .set_response_timeout(Some(options.timeout));
    let connecting = client.get_multiplexed_async_connection_with_config(&config);
    match tokio::time::timeout(options.timeout, connecting).await {
        Ok(result) => result,
        Err(_) => Err(timed_out()),
    }
}

pub(crate) fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(std::io::ErrorKind::TimedOut, "Redis did not answer in time"))
}

impl Inner {
    /// The state of a backend connected by `conn` (made by `client`), with the GCRA script
    /// (loaded on its first use) and no breaker shared yet.
    pub(crate) fn new(client: redis::Client, conn: MultiplexedConnection, options: Options) -> Self {
        Inner {
            sharing: Sharing::new(&options),
            client,
            script: redis::Script::new(GCRA),
            conn: ArcSwapOption::from_pointee(conn),
            origin: Instant::now(),
            down_until: AtomicU64::new(0),
            failures: AtomicU32::new(0),
            probing: AtomicBool::new(false),
            local: RwLock::new(HashMap::new()),
            reporting: Mutex::new(()),
            options,
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX).max(1)
    }

    pub(crate) async fn decide(&self, request: RemoteRequest) -> RemoteDecision {
        let Some((cost, tau, max_wait)) = micros(&request.config) else {
            return RemoteDecision::Deny { retry_after: Duration::MAX };
        };
        // Orderings: `Relaxed`; the backoff instant is a hint, and a stale one costs at most
        // one more round trip or one more fallback decision.
        let down_until = self.down_until.load(Ordering::Relaxed);
        let mut probe = None;
        if down_until != 0 {
            let now = self.now();
            if now < down_until || self.probing.swap(true, Ordering::Acquire) {
                return self.fallback(request, Duration::from_nanos(down_until.saturating_sub(now)));
            }
            probe = Some(Probing(&self.probing));
        }
        let key = format!("{}:rl:{}", self.options.key_prefix, request.name);
        match self.evaluate(&key, cost, tau, max_wait).await {
            Ok((admitted, wait)) => {
                drop(probe);
                if down_until != 0 {
                    self.up();
                }
                let wait = Duration::from_micros(wait.max(0) as u64);
                if admitted == 1 {
                    RemoteDecision::Admit { after: wait }
                } else {
                    RemoteDecision::Deny { retry_after: wait }
                }
            }
            Err(e) => {
                let retry_in = self.down(&e, probe.is_some());
                drop(probe);
                self.fallback(request, retry_in)
            }
        }
    }

    /// One `EVALSHA` (with a `SCRIPT LOAD` first after `NOSCRIPT`), connecting first if
    /// the last connection failed.
    async fn evaluate(&self, key: &str, cost: u64, tau: u64, max_wait: u64) -> redis::RedisResult<(i64, i64)> {
        let mut conn = match self.conn.load_full() {
            Some(conn) => (*conn).clone(),
            None => {
                let conn = connect(&self.client, &self.options).await?;
                self.conn.store(Some(Arc::new(conn.clone())));
                conn
            }
        };
        let mut invocation = self.script.key(key);
        invocation.arg(cost).arg(tau).arg(max_wait);
        match tokio::time::timeout(self.options.timeout, invocation.invoke_async(&mut conn)).await {
            Ok(result) => result,
            Err(_) => Err(timed_out()),
        }
    }

    /// Redis failed: drops the connection and sets the next backoff instant. Returns the
    /// time until it. The calls in flight when Redis goes away all fail together: the first
    /// sets the backoff (`min_backoff`), the others take it as it is; only a failed probe
    /// (`probe`, the one call that tried again after the backoff instant) doubles it.
    fn down(&self, error: &redis::RedisError, probe: bool) -> Duration {
        self.conn.store(None);
        let now = self.now();
        // Orderings: `Relaxed` throughout; see `decide`.
        if !probe {
            let until = now.saturating_add(self.options.min_backoff.as_nanos() as u64);
            match self.down_until.compare_exchange(0, until, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => self.failures.store(1, Ordering::Relaxed),
                Err(current) => return Duration::from_nanos(current.saturating_sub(now)),
            }
            let _in_order = self.reporting.lock().unwrap_or_else(|e| e.into_inner());
            tracing::warn!(
                target: "resile",
                backend = "redis",
                resilience.policy = "rate_limit",
                on_unavailable = self.options.on_unavailable.label(),
                error = %error,
                "Redis is unreachable: rate limits are now decided by `{}` until it answers again \
                 (next attempt in {:?})",
                self.options.on_unavailable.label(),
                self.options.min_backoff,
            );
            report_available(&self.options, false);
            return self.options.min_backoff;
        }
        let failures = self.failures.fetch_add(1, Ordering::Relaxed);
        let backoff = self.options.min_backoff.saturating_mul(1u32 << failures.min(16)).min(self.options.max_backoff);
        self.down_until.store(now.saturating_add(backoff.as_nanos() as u64), Ordering::Relaxed);
        tracing::debug!(
            target: "resile",
            backend = "redis",
            error = %error,
            "Redis is still unreachable (attempt {failures}); next attempt in {backoff:?}",
        );
        backoff
    }

    /// Redis answered again.
    fn up(&self) {
        self.failures.store(0, Ordering::Relaxed);
        if self.down_until.swap(0, Ordering::Relaxed) != 0 {
            let _in_order = self.reporting.lock().unwrap_or_else(|e| e.into_inner());
            tracing::info!(
                target: "resile",
                backend = "redis",
                resilience.policy = "rate_limit",
                "Redis answers again: rate limits are decided on Redis"
            );
            report_available(&self.options, true);
        }
    }

    /// The decision while Redis is unreachable; `retry_in` is the time until the next
    /// attempt.
    fn fallback(&self, request: RemoteRequest, retry_in: Duration) -> RemoteDecision {
        match self.options.on_unavailable {
            Unavailable::FailOpen => RemoteDecision::Admit { after: Duration::ZERO },
            Unavailable::FailClosed => RemoteDecision::Deny { retry_after: retry_in.max(Duration::from_millis(1)) },
            Unavailable::Local { share } => {
                let limiter = self.local_limiter(request, share);
                let config = request.config;
                match limiter.try_acquire(config.weight, config.max_wait) {
                    Decision::Admit => RemoteDecision::Admit { after: Duration::ZERO },
                    Decision::AdmitAt { at, reservation } => {
                        // Spent: a remote decision's wait is not given back either.
                        drop(reservation);
                        RemoteDecision::Admit { after: at.saturating_sub(limiter.elapsed()) }
                    }
                    Decision::Deny { retry_after } => RemoteDecision::Deny { retry_after },
                }
            }
        }
    }

    fn local_limiter(&self, request: RemoteRequest, share: f64) -> Arc<RateLimiter> {
        if let Some(limiter) = self.local.read().unwrap_or_else(|e| e.into_inner()).get(request.name) {
            return limiter.clone();
        }
        let mut local = self.local.write().unwrap_or_else(|e| e.into_inner());
        local
            .entry(request.name)
            .or_insert_with(|| {
                let c = request.config;
                let rate = (c.rate * share).max(RateLimitConfig::MIN_RATE);
                let burst = (c.burst() * share).max(f64::from(c.weight)).max(1.0);
                Arc::new(RateLimiter::new(request.name, RateLimitConfig::new(rate).burst_size(burst)))
            })
            .clone()
    }

    /// The connection for the breakers' commands, if there is one.
    pub(crate) fn connection(&self) -> Option<MultiplexedConnection> {
        self.conn.load_full().map(|c| (*c).clone())
    }
}

/// The probe's flag, cleared however the probe ends (cancelled too).
struct Probing<'a>(&'a AtomicBool);

impl Drop for Probing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// `resile_redis_available{on_unavailable}`: 1 while Redis decides, 0 while the choice
/// named by the label does.
pub(crate) fn report_available(options: &Options, available: bool) {
    metrics::gauge!("resile_redis_available", "on_unavailable" => options.on_unavailable.label()).set(if available {
        1.0
    } else {
        0.0
    });
}

impl RemoteRateLimiter for RedisBackend {
    fn backend(&self) -> &'static str {
        "redis"
    }

    fn decide(&self, request: RemoteRequest) -> RemoteFuture<'_> {
        Box::pin(self.inner.decide(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_in_microseconds() {
        assert_eq!(micros(&RateLimitConfig::new(100.0)), Some((10_000, 1_000_000, 0)));
        assert_eq!(micros(&RateLimitConfig::new(100.0).burst_size(5.0).weight(2)), Some((20_000, 50_000, 0)));
        assert_eq!(
            micros(&RateLimitConfig::new(3.0).max_wait(Duration::from_millis(2))),
            Some((333_333, 999_999, 2_000))
        );
        assert_eq!(micros(&RateLimitConfig::new(10.0).burst_size(1.0).weight(2)), None);
    }
}
