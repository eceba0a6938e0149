//! The policy mixes: one annotated function each, all making the same downstream call.
//!
//! Every `#[retry]` retries what [`is_transient`](resile::presets::is_transient) calls
//! transient (a `5xx`, a `429`, a timeout; not an open breaker, which fails the call at
//! once) and never comes back before the downstream's `Retry-After`
//! ([`retry_after`]). Each mix has a breaker of its own, so the
//! mixes can run side by side without sharing state.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use resile::{CircuitBreakerConfig, CircuitBreakerPolicy, RetryPolicy};

use crate::client::{DownstreamClient, FetchError, ends_hedge, retry_after};

/// Every mix's retry: up to 3 attempts, exponential backoff from 10 ms with full jitter,
/// at most 1 s. Each site adds the callbacks: [`is_transient`](resile::presets::is_transient)
/// and `Retry-After` ([`retry_after`]).
pub const RETRY: RetryPolicy =
    RetryPolicy::new().max(3).base_delay(Duration::from_millis(10)).max_delay(Duration::from_secs(1));

/// Every mix's breaker settings: it opens when half of the last 20 attempts failed (after
/// 10), and half-opens 100 ms later. Each mix has a breaker of its own, by name.
pub const BREAKER: CircuitBreakerConfig =
    CircuitBreakerConfig::new().window_size(20).minimum_calls(10).open_timeout(Duration::from_millis(100));

/// The breakers of [`retry_breaker`], [`retry_breaker_timeout`] and [`retry_breaker_hedge`].
const RETRY_BREAKER: CircuitBreakerPolicy = CircuitBreakerPolicy::with_config("downstream-retry-breaker", BREAKER);
const TIMEOUT_BREAKER: CircuitBreakerPolicy =
    CircuitBreakerPolicy::with_config("downstream-retry-breaker-timeout", BREAKER);
const HEDGE_BREAKER: CircuitBreakerPolicy =
    CircuitBreakerPolicy::with_config("downstream-retry-breaker-hedge", BREAKER);

/// The downstream call with no policy.
pub async fn bare(api: &DownstreamClient, id: u64) -> Result<String, FetchError> {
    api.item(id).await
}

/// [`RETRY`], `Retry-After` honoured.
#[resile::retry(policy = RETRY, retry_if = resile::presets::is_transient, retry_after = retry_after)]
pub async fn retry(api: &DownstreamClient, id: u64) -> Result<String, FetchError> {
    api.item(id).await
}

/// The retry of [`retry`] around a breaker of its own ([`BREAKER`]).
#[resile::retry(policy = RETRY, retry_if = resile::presets::is_transient, retry_after = retry_after)]
#[resile::circuit_breaker(policy = RETRY_BREAKER)]
pub async fn retry_breaker(api: &DownstreamClient, id: u64) -> Result<String, FetchError> {
    api.item(id).await
}

/// [`retry_breaker`] with each attempt cut at 100 ms: a slow answer is abandoned and retried.
#[resile::retry(policy = RETRY, retry_if = resile::presets::is_transient, retry_after = retry_after)]
#[resile::circuit_breaker(policy = TIMEOUT_BREAKER)]
#[resile::timeout("100ms")]
pub async fn retry_breaker_timeout(api: &DownstreamClient, id: u64) -> Result<String, FetchError> {
    api.item(id).await
}

/// [`retry_breaker`] with each attempt hedged: a second request starts when the first has
/// not answered within 50 ms, and the first answer wins. An error is no reason to hedge
/// ([`ends_hedge`]): it goes to the retry, which honours `Retry-After`.
#[resile::retry(policy = RETRY, retry_if = resile::presets::is_transient, retry_after = retry_after)]
#[resile::circuit_breaker(policy = HEDGE_BREAKER)]
#[resile::hedge(name = "downstream-hedge", delay = "50ms", max_requests = 2, fatal = ends_hedge)]
pub async fn retry_breaker_hedge(api: &DownstreamClient, id: u64) -> Result<String, FetchError> {
    api.item(id).await
}

/// A policy mix the front can call: `GET /item/{id}?mix=<name>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mix {
    /// [`bare`].
    Bare,
    /// [`retry`].
    Retry,
    /// [`retry_breaker`].
    RetryBreaker,
    /// [`retry_breaker_timeout`].
    RetryBreakerTimeout,
    /// [`retry_breaker_hedge`].
    RetryBreakerHedge,
}

impl Mix {
    /// Every mix, in the order of the report.
    pub const ALL: [Mix; 5] =
        [Mix::Bare, Mix::Retry, Mix::RetryBreaker, Mix::RetryBreakerTimeout, Mix::RetryBreakerHedge];

    /// Its name, as the query string gives it.
    pub const fn name(self) -> &'static str {
        match self {
            Mix::Bare => "bare",
            Mix::Retry => "retry",
            Mix::RetryBreaker => "retry-breaker",
            Mix::RetryBreakerTimeout => "retry-breaker-timeout",
            Mix::RetryBreakerHedge => "retry-breaker-hedge",
        }
    }

    /// What it stacks, for the report.
    pub const fn label(self) -> &'static str {
        match self {
            Mix::Bare => "bare",
            Mix::Retry => "retry",
            Mix::RetryBreaker => "retry + breaker",
            Mix::RetryBreakerTimeout => "retry + breaker + timeout 100ms",
            Mix::RetryBreakerHedge => "retry + breaker + hedge 50ms",
        }
    }

    /// The `function` label of its metrics (`None` for [`Mix::Bare`], which has none).
    pub const fn function(self) -> Option<&'static str> {
        match self {
            Mix::Bare => None,
            Mix::Retry => Some("resile_http_example::mixes::retry"),
            Mix::RetryBreaker => Some("resile_http_example::mixes::retry_breaker"),
            Mix::RetryBreakerTimeout => Some("resile_http_example::mixes::retry_breaker_timeout"),
            Mix::RetryBreakerHedge => Some("resile_http_example::mixes::retry_breaker_hedge"),
        }
    }

    /// The name of its circuit breaker, if it has one.
    pub const fn breaker(self) -> Option<&'static str> {
        match self {
            Mix::Bare | Mix::Retry => None,
            Mix::RetryBreaker => Some("downstream-retry-breaker"),
            Mix::RetryBreakerTimeout => Some("downstream-retry-breaker-timeout"),
            Mix::RetryBreakerHedge => Some("downstream-retry-breaker-hedge"),
        }
    }

    /// The name of its hedge, if it has one.
    pub const fn hedge(self) -> Option<&'static str> {
        match self {
            Mix::RetryBreakerHedge => Some("downstream-hedge"),
            _ => None,
        }
    }

    /// Calls the downstream for item `id` through this mix.
    pub async fn call(self, api: &DownstreamClient, id: u64) -> Result<String, FetchError> {
        match self {
            Mix::Bare => bare(api, id).await,
            Mix::Retry => retry(api, id).await,
            Mix::RetryBreaker => retry_breaker(api, id).await,
            Mix::RetryBreakerTimeout => retry_breaker_timeout(api, id).await,
            Mix::RetryBreakerHedge => retry_breaker_hedge(api, id).await,
        }
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no [`Mix`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMix(pub String);

impl fmt::Display for UnknownMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown mix `{}`", self.0)
    }
}

impl std::error::Error for UnknownMix {}

impl FromStr for Mix {
    type Err = UnknownMix;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mix::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| UnknownMix(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_is_found_by_its_name() {
        for mix in Mix::ALL {
            assert_eq!(mix.name().parse::<Mix>(), Ok(mix));
        }
        assert_eq!("retry+breaker".parse::<Mix>(), Err(UnknownMix("retry+breaker".into())));
    }
}
