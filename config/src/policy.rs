//! Policies declared once in code and referenced by path: a policy is the configuration of
//! one attribute (and, for the kinds that share an instance by name, the name), built with
//! `const fn` setters named like the attribute's keys, and checked at compile time when an
//! attribute uses it (`#[circuit_breaker(policy = DB)]`).

use std::time::Duration;

use crate::keys::{Key, KeyKind, KeySet};
use crate::{
    Backoff, BulkheadConfig, ChaosConfig, CircuitBreakerConfig, ConfigError, HedgeConfig, Jitter, RateLimitConfig,
    RetryConfig, WindowKind,
};

/// The `policy` key that `#[retry]`, `#[circuit_breaker]`, `#[hedge]`, `#[bulkhead]` and
/// `#[rate_limit]` take besides their own: the path of a `const` policy of the attribute's
/// kind ([`RetryPolicy`], …), listed last in the attribute's argument table.
pub const POLICY_KEY: Key = Key {
    name: "policy",
    kind: KeyKind::Name,
    default: "none",
    doc: "a `const` policy declared in code, by path; keys written next to it override it at this site",
};

/// The keys of keyed instances that `#[circuit_breaker]`, `#[bulkhead]` and
/// `#[rate_limit]` take besides their own and `policy`: `key`, an expression over the
/// arguments (one instance per distinct value under the name), and `max_keys`, how many keys
/// keep an instance at most. Keys of the call site, not of the name's configuration.
pub const KEYED_KEYS: [Key; 2] = [
    Key {
        name: "key",
        kind: KeyKind::Name,
        default: "none",
        doc: "an expression over the arguments: one instance per distinct value under the name",
    },
    Key {
        name: "max_keys",
        kind: KeyKind::Count,
        default: "10000",
        doc: "how many keys keep an instance at most; past it the least recently used with no call in flight are evicted",
    },
];

/// Setters of a policy that set the key of the same name on its `config`.
macro_rules! setters {
    ($policy:ident, $config:ident: $($(#[$doc:meta])* $key:ident($ty:ty)),* $(,)?) => {
        impl $policy {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nSets `", stringify!($key), "`, as the attribute key of that name does: see [`", stringify!($config), "::", stringify!($key), "`].")]
                #[inline]
                pub const fn $key(mut self, value: $ty) -> Self {
                    self.config = self.config.$key(value);
                    self.given = self.given.with(stringify!($key));
                    self
                }
            )*
        }
    };
}

/// The message of a policy that breaks a rule, for a `const` panic (which formats nothing
/// but a `&str`): the key and the problem (see [`ConfigError::summary`]).
macro_rules! check {
    ($kind:literal, $self:ident) => {
        if let Err(e) = $self.validate() {
            crate::policy::fail($kind, e)
        }
    };
}

/// Panics with the message of `e` for a policy of `kind`: a `const` panic when called in a
/// `const` (the compile error of an invalid policy), an ordinary one at run time.
#[track_caller]
pub(crate) const fn fail(kind: &'static str, e: ConfigError) -> ! {
    let mut buf = crate::text::Buf::new();
    buf.push("invalid `");
    buf.push(kind);
    buf.push("` policy: ");
    e.write_message(&mut buf);
    panic!("{}", buf.as_str())
}

/// A circuit breaker declared in code: the breaker's name and its settings, used by every
/// function that writes `#[circuit_breaker(policy = PATH)]`, as if each wrote the name and
/// the keys inline (so they all declare the same breaker, once).
///
/// Every setter is named like the attribute key it sets; the values are checked by the same
/// rules, at compile time when an attribute uses the policy: an invalid value is a compile
/// error naming the key.
///
/// ```
/// use std::time::Duration;
/// use resile_config::CircuitBreakerPolicy;
///
/// const DB: CircuitBreakerPolicy = CircuitBreakerPolicy::named("db")
///     .window_size(50)
///     .failure_rate_threshold(0.25)
///     .open_timeout(Duration::from_secs(10));
/// assert_eq!((DB.name, DB.config.window_size), ("db", 50));
/// assert!(DB.validate().is_ok());
/// ```
///
/// A site with a policy always declares the breaker, even with a policy that keeps every
/// default (`CircuitBreakerPolicy::named("db")` declares the defaults, and a site declaring
/// other settings for `db` is then a conflicting declaration); a site that only refers to
/// the breaker writes `#[circuit_breaker(name = "db")]` and declares nothing.
///
/// # Overrides
/// Every setting of a policy is a setting of the shared breaker, so no key of
/// [`CircuitBreakerConfig`] (nor `name`) may be written next to `policy`: one breaker has
/// one configuration, and a site that wanted another would be a second, conflicting
/// declaration. The callbacks (`should_record`, `on_state_change`) belong to the site and
/// may be written next to `policy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerPolicy {
    /// The name of the shared breaker (`resile::circuit_breaker(name)`).
    pub name: &'static str,
    /// Its settings.
    pub config: CircuitBreakerConfig,
    /// The keys its setters wrote, for the rules about a written key (`min_samples` without
    /// `percentile` has no effect, ...), which the attribute applies to the keys written
    /// inline. Empty for a policy made [`with_config`](Self::with_config).
    given: KeySet,
}

impl CircuitBreakerPolicy {
    /// The keys that may be written next to `policy`: none (see [Overrides](Self#overrides)).
    pub const OVERRIDABLE: &'static [&'static str] = &[];

    /// The breaker `name` with the attribute's defaults.
    pub const fn named(name: &'static str) -> Self {
        CircuitBreakerPolicy { name, config: CircuitBreakerConfig::new(), given: KeySet::EMPTY }
    }

    /// The breaker `name` with `config`.
    pub const fn with_config(name: &'static str, config: CircuitBreakerConfig) -> Self {
        CircuitBreakerPolicy { name, config, given: KeySet::EMPTY }
    }

    /// Checks every rule, as [`CircuitBreakerConfig::validate`].
    pub const fn validate(&self) -> Result<(), ConfigError> {
        self.config.validate_given(self.given)
    }

    /// Checks every rule, for a `const` (what `#[circuit_breaker(policy = PATH)]` runs).
    ///
    /// # Panics
    /// If a rule is broken, with the attribute's message for it, which names the key: in a
    /// `const`, a compile error.
    #[track_caller]
    pub const fn check(&self) {
        check!("circuit_breaker", self)
    }
}

setters!(CircuitBreakerPolicy, CircuitBreakerConfig:
    window(WindowKind),
    window_size(u32),
    failure_rate_threshold(f64),
    slow_call_threshold(Duration),
    slow_call_rate_threshold(f64),
    minimum_calls(u32),
    open_timeout(Duration),
    permitted_calls_in_half_open(u32),
    open_timeout_multiplier(f64),
    max_open_timeout(Duration),
);

/// A retry declared in code: the settings of `#[retry]`, used by every function that
/// writes `#[retry(policy = PATH)]`. `resile::presets` holds tested ones.
///
/// ```
/// use std::time::Duration;
/// use resile_config::{Jitter, RetryPolicy};
///
/// const FETCH: RetryPolicy = RetryPolicy::new()
///     .max(4)
///     .base_delay(Duration::from_millis(20))
///     .jitter(Jitter::Equal);
/// assert_eq!(FETCH.config.max, 4);
/// ```
///
/// # Overrides
/// A retry has no shared instance: every key may be written next to `policy` and sets that
/// key for that site only (`#[retry(policy = FETCH, max = 2)]`), checked with the policy's
/// other settings. The callbacks and `retry_budget` belong to the site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Its settings.
    pub config: RetryConfig,
    /// The keys its setters wrote, for the rules about a written key (`min_samples` without
    /// `percentile` has no effect, ...), which the attribute applies to the keys written
    /// inline. Empty for a policy made [`with_config`](Self::with_config).
    given: KeySet,
}

impl RetryPolicy {
    /// The keys that may be written next to `policy`: all of [`RetryConfig::KEYS`].
    pub const OVERRIDABLE: &'static [&'static str] =
        &["max", "backoff", "base_delay", "max_delay", "multiplier", "increment", "jitter", "budget"];

    /// The attribute's defaults: 3 attempts, exponential from 100 ms ×2, capped at 5 s, full
    /// jitter.
    pub const fn new() -> Self {
        RetryPolicy { config: RetryConfig::new(), given: KeySet::EMPTY }
    }

    /// A policy with `config`.
    pub const fn with_config(config: RetryConfig) -> Self {
        RetryPolicy { config, given: KeySet::EMPTY }
    }

    /// Checks every rule, as [`RetryConfig::validate`].
    pub const fn validate(&self) -> Result<(), ConfigError> {
        self.config.validate_given(self.given)
    }

    /// Checks every rule, for a `const` (what `#[retry(policy = PATH)]` runs).
    ///
    /// # Panics
    /// If a rule is broken, with the attribute's message for it, which names the key: in a
    /// `const`, a compile error.
    #[track_caller]
    pub const fn check(&self) {
        check!("retry", self)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// Sets `backoff`, as the attribute key of that name does: see [`RetryConfig::backoff`].
    /// A list sets `max` too (one attempt plus one per delay), so a `max` written before it
    /// no longer counts as written (the list decides it, as a list written at a call site
    /// next to the policy does).
    #[inline]
    pub const fn backoff(mut self, value: Backoff) -> Self {
        self.config = self.config.backoff(value);
        self.given = self.given.with("backoff");
        if let Backoff::List(_) = value {
            self.given = self.given.without("max");
        }
        self
    }
}

setters!(RetryPolicy, RetryConfig:
    max(u32),
    base_delay(Duration),
    max_delay(Duration),
    multiplier(f64),
    increment(Duration),
    jitter(Jitter),
    budget(Duration),
);

/// A hedge declared in code: the settings of `#[hedge]` and, optionally, the name of its
/// shared tracker, used by every function that writes `#[hedge(policy = PATH)]`.
///
/// ```
/// use std::time::Duration;
/// use resile_config::HedgePolicy;
///
/// const READ: HedgePolicy =
///     HedgePolicy::named("replicas").percentile(95.0).max_requests(3).timeout(Duration::from_secs(1));
/// assert_eq!(READ.name, Some("replicas"));
/// assert!(READ.validate().is_ok());
/// // Its adaptive tracker's settings are not the defaults: it declares the tracker.
/// assert!(READ.declares_tracker() && !HedgePolicy::named("replicas").declares_tracker());
/// ```
///
/// # Overrides
/// `delay`, `max_requests` and `timeout` belong to the site: written next to `policy`, they
/// set that key for that site only. The adaptive tracker's settings
/// ([`HedgeConfig::TRACKER_KEYS`]) and `name` may not be written next to `policy`: with a
/// name they are the shared tracker's, which has one configuration. The callbacks (`fatal`,
/// `on_hedge`) belong to the site.
///
/// A site with a hedge policy needs `E: From<resile::Rejection>` whether or not the policy
/// sets a `timeout`: the macro cannot see the policy's value, and a timed-out call returns
/// `Rejection::TimedOut` through `E`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HedgePolicy {
    /// The name of the shared tracker, budget and stats; `None`: one per call site.
    pub name: Option<&'static str>,
    /// Its settings.
    pub config: HedgeConfig,
    /// The keys its setters wrote, for the rules about a written key (`min_samples` without
    /// `percentile` has no effect, ...), which the attribute applies to the keys written
    /// inline. Empty for a policy made [`with_config`](Self::with_config).
    given: KeySet,
}

impl HedgePolicy {
    /// The keys that may be written next to `policy`.
    pub const OVERRIDABLE: &'static [&'static str] = &["delay", "max_requests", "timeout"];

    /// The attribute's defaults, with a tracker per call site.
    pub const fn new() -> Self {
        HedgePolicy { name: None, config: HedgeConfig::new(), given: KeySet::EMPTY }
    }

    /// The attribute's defaults, with the shared tracker `name`.
    pub const fn named(name: &'static str) -> Self {
        HedgePolicy { name: Some(name), config: HedgeConfig::new(), given: KeySet::EMPTY }
    }

    /// A policy with `config`, and the shared tracker `name` if any.
    pub const fn with_config(name: Option<&'static str>, config: HedgeConfig) -> Self {
        HedgePolicy { name, config, given: KeySet::EMPTY }
    }

    /// Whether the policy sets any of the tracker's settings
    /// ([`HedgeConfig::TRACKER_KEYS`]) to another value than the default: with a name, it
    /// then declares the tracker, as a site that writes one of those keys does.
    pub const fn declares_tracker(&self) -> bool {
        let (c, d) = (&self.config, HedgeConfig::new());
        let same_option = match (c.percentile, d.percentile) {
            (None, None) => true,
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        !(same_option
            && c.buffer_size == d.buffer_size
            && c.min_samples == d.min_samples
            && crate::duration::same(c.initial_delay, d.initial_delay)
            && crate::duration::same(c.min_delay, d.min_delay)
            && crate::duration::same(c.max_delay, d.max_delay)
            && c.token_max == d.token_max
            && c.token_success_credit == d.token_success_credit
            && c.token_hedge_cost == d.token_hedge_cost
            && c.token_threshold == d.token_threshold)
    }

    /// Checks every rule, as [`HedgeConfig::validate`].
    pub const fn validate(&self) -> Result<(), ConfigError> {
        self.config.validate_given(self.given)
    }

    /// Checks every rule, for a `const` (what `#[hedge(policy = PATH)]` runs).
    ///
    /// # Panics
    /// If a rule is broken, with the attribute's message for it, which names the key: in a
    /// `const`, a compile error.
    #[track_caller]
    pub const fn check(&self) {
        check!("hedge", self)
    }
}

impl Default for HedgePolicy {
    fn default() -> Self {
        Self::new()
    }
}

setters!(HedgePolicy, HedgeConfig:
    delay(Duration),
    percentile(f64),
    max_requests(u32),
    timeout(Duration),
    buffer_size(u32),
    min_samples(u32),
    initial_delay(Duration),
    min_delay(Duration),
    max_delay(Duration),
    token_max(f64),
    token_success_credit(f64),
    token_hedge_cost(f64),
    token_threshold(f64),
);

/// A bulkhead declared in code: its name, its `max_concurrent` (required, as on the
/// attribute) and the other settings, used by every function that writes
/// `#[bulkhead(policy = PATH)]`.
///
/// ```
/// use std::time::Duration;
/// use resile_config::BulkheadPolicy;
///
/// const POOL: BulkheadPolicy = BulkheadPolicy::named("pool", 10).max_wait(Duration::from_millis(50));
/// assert_eq!((POOL.name, POOL.config.max_concurrent), ("pool", 10));
/// ```
///
/// # Overrides
/// `weight` and `max_wait` belong to the site: written next to `policy`, they set that key
/// for that site only (`#[bulkhead(policy = POOL, weight = 4)]`). `max_concurrent` is the
/// shared bulkhead's and, like `name`, may not be written next to `policy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BulkheadPolicy {
    /// The name of the shared bulkhead (`resile::bulkhead(name)`).
    pub name: &'static str,
    /// Its settings.
    pub config: BulkheadConfig,
    /// The keys its setters wrote, for the rules about a written key (`min_samples` without
    /// `percentile` has no effect, ...), which the attribute applies to the keys written
    /// inline. Empty for a policy made [`with_config`](Self::with_config).
    given: KeySet,
}

impl BulkheadPolicy {
    /// The keys that may be written next to `policy`.
    pub const OVERRIDABLE: &'static [&'static str] = &["max_wait", "weight"];

    /// The bulkhead `name` of `max_concurrent` permits, with the attribute's defaults
    /// (`max_wait` 0, `weight` 1).
    pub const fn named(name: &'static str, max_concurrent: u32) -> Self {
        BulkheadPolicy {
            name,
            config: BulkheadConfig::new(max_concurrent),
            given: KeySet::EMPTY.with("max_concurrent"),
        }
    }

    /// The bulkhead `name` with `config`.
    pub const fn with_config(name: &'static str, config: BulkheadConfig) -> Self {
        BulkheadPolicy { name, config, given: KeySet::EMPTY }
    }

    /// Checks every rule, as [`BulkheadConfig::validate`].
    pub const fn validate(&self) -> Result<(), ConfigError> {
        self.config.validate_given(self.given)
    }

    /// Checks every rule, for a `const` (what `#[bulkhead(policy = PATH)]` runs).
    ///
    /// # Panics
    /// If a rule is broken, with the attribute's message for it, which names the key: in a
    /// `const`, a compile error.
    #[track_caller]
    pub const fn check(&self) {
        check!("bulkhead", self)
    }
}

setters!(BulkheadPolicy, BulkheadConfig:
    max_concurrent(u32),
    max_wait(Duration),
    weight(u32),
    adaptive(crate::AdaptiveAlgorithm),
    min_concurrent(u32),
    initial_concurrent(u32),
);

/// A rate limiter declared in code: its name, its `rate` (tokens per second, required, as
/// on the attribute) and the other settings, used by every function that writes
/// `#[rate_limit(policy = PATH)]`.
///
/// ```
/// use resile_config::RateLimitPolicy;
///
/// const API: RateLimitPolicy = RateLimitPolicy::named("api", 100.0).burst_size(20.0);
/// assert_eq!((API.name, API.config.rate), ("api", 100.0));
/// ```
///
/// # Overrides
/// `weight` and `max_wait` belong to the site: written next to `policy`, they set that key
/// for that site only. `rate` and `burst_size` are the shared bucket's and, like `name`, may
/// not be written next to `policy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitPolicy {
    /// The name of the shared limiter (`resile::rate_limiter(name)`).
    pub name: &'static str,
    /// Its settings.
    pub config: RateLimitConfig,
    /// The keys its setters wrote, for the rules about a written key (`min_samples` without
    /// `percentile` has no effect, ...), which the attribute applies to the keys written
    /// inline. Empty for a policy made [`with_config`](Self::with_config).
    given: KeySet,
}

impl RateLimitPolicy {
    /// The keys that may be written next to `policy`.
    pub const OVERRIDABLE: &'static [&'static str] = &["weight", "max_wait"];

    /// The limiter `name` of `rate` tokens per second, with the attribute's defaults
    /// (`burst_size` = `rate`, `weight` 1, `max_wait` 0).
    pub const fn named(name: &'static str, rate: f64) -> Self {
        RateLimitPolicy { name, config: RateLimitConfig::new(rate), given: KeySet::EMPTY.with("rate") }
    }

    /// The limiter `name` with `config`.
    pub const fn with_config(name: &'static str, config: RateLimitConfig) -> Self {
        RateLimitPolicy { name, config, given: KeySet::EMPTY }
    }

    /// Checks every rule, as [`RateLimitConfig::validate`].
    pub const fn validate(&self) -> Result<(), ConfigError> {
        self.config.validate_given(self.given)
    }

    /// Checks every rule, for a `const` (what `#[rate_limit(policy = PATH)]` runs).
    ///
    /// # Panics
    /// If a rule is broken, with the attribute's message for it, which names the key: in a
    /// `const`, a compile error.
    #[track_caller]
    pub const fn check(&self) {
        check!("rate_limit", self)
    }
}

setters!(RateLimitPolicy, RateLimitConfig:
    rate(f64),
    burst_size(f64),
    weight(u32),
    max_wait(Duration),
);

/// A chaos injector's settings declared in code: the faults of `#[chaos]`, used by every
/// function that writes `#[chaos(policy = PATH)]` (one experiment, written once).
///
/// ```
/// use std::time::Duration;
/// use resile_config::ChaosPolicy;
///
/// const FLAKY_DB: ChaosPolicy = ChaosPolicy::new()
///     .error_rate(0.05)
///     .latency(Duration::from_millis(200))
///     .latency_rate(0.1)
///     .seed(7);
/// FLAKY_DB.check();
/// assert_eq!(FLAKY_DB.config.error_rate, 0.05);
/// // Rules about a key written without another apply, as on the attribute:
/// assert!(ChaosPolicy::new().latency_rate(0.5).validate().is_err());
/// ```
///
/// # Overrides
/// A policy names no injector: each site that uses it has its own, or the one its `name`
/// names (`#[chaos(policy = FLAKY_DB, name = "db")]` declares `db` with the policy's
/// settings). Every key may be written next to `policy` and sets that key for that site
/// only, checked with the policy's other settings; `error` and `name` belong to the site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChaosPolicy {
    /// Its settings.
    pub config: ChaosConfig,
    /// The keys its setters wrote, for the rule about a written key (`latency_rate`
    /// without `latency`). Empty for a policy made [`with_config`](Self::with_config).
    given: KeySet,
}

impl ChaosPolicy {
    /// The keys that may be written next to `policy`: all of [`ChaosConfig::KEYS`].
    pub const OVERRIDABLE: &'static [&'static str] = &["error_rate", "latency", "latency_rate", "hang_rate", "seed"];

    /// Injects nothing (every rate 0, no latency), until its setters say what.
    pub const fn new() -> Self {
        ChaosPolicy { config: ChaosConfig::new(), given: KeySet::EMPTY }
    }

    /// A policy with `config`.
    pub const fn with_config(config: ChaosConfig) -> Self {
        ChaosPolicy { config, given: KeySet::EMPTY }
    }

    /// Checks every rule, as [`ChaosConfig::validate`].
    pub const fn validate(&self) -> Result<(), ConfigError> {
        self.config.validate_given(self.given)
    }

    /// Checks every rule, for a `const` (what `#[chaos(policy = PATH)]` runs).
    ///
    /// # Panics
    /// If a rule is broken, with the attribute's message for it, which names the key: in a
    /// `const`, a compile error.
    #[track_caller]
    pub const fn check(&self) {
        check!("chaos", self)
    }
}

impl Default for ChaosPolicy {
    fn default() -> Self {
        Self::new()
    }
}

setters!(ChaosPolicy, ChaosConfig:
    error_rate(f64),
    latency(Duration),
    latency_rate(f64),
    hang_rate(f64),
    seed(u64),
);
