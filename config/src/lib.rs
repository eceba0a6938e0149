//! The configuration of resile's policies, written once: every `XConfig` type, the defaults
//! documented for each attribute, the key names, and every rule on them with its message.
//!
//! `resile-macros` validates the attributes' arguments through this crate at compile time,
//! and `resile-runtime` validates `reconfigure` (and TOML files) through it at run time, so
//! the same mistake gets the same words everywhere. It has no dependencies.
//!
//! | config | keys | attribute |
//! |---|---|---|
//! | [`RetryConfig`] ([`Backoff`], [`Jitter`]) | [`RetryConfig::KEYS`] | `#[retry]` |
//! | [`RetryBudgetConfig`] | [`RetryBudgetConfig::KEYS`] | (`retry_budget = "name"`) |
//! | [`CircuitBreakerConfig`] ([`WindowKind`]) | [`CircuitBreakerConfig::KEYS`] | `#[circuit_breaker]` |
//! | [`HedgeConfig`] | [`HedgeConfig::KEYS`] | `#[hedge]` |
//! | [`TimeoutConfig`] | [`TimeoutConfig::KEYS`] | `#[timeout]` |
//! | [`BulkheadConfig`] | [`BulkheadConfig::KEYS`] | `#[bulkhead]` |
//! | [`RateLimitConfig`] | [`RateLimitConfig::KEYS`] | `#[rate_limit]` |
//! | [`ChaosConfig`] | [`ChaosConfig::KEYS`] | `#[chaos]` |
//!
//! # Keys
//! A key is spelled exactly like the attribute key, the config field, its `const fn` setter
//! and the TOML key. Each config lists its keys in `KEYS` (a [`Key`] holds the name, the
//! [`KeyKind`] of value it takes, the default as a user writes it, and one line of doc);
//! `ATTRIBUTE_KEYS` lists the keys an attribute takes besides them (names and callbacks),
//! and `ARGUMENTS` every key of the attribute in the order the attribute's documentation lists them. A caller that
//! parses values (the macro, a TOML loader) dispatches on the [`KeyKind`] and hands the
//! parsed [`Value`] to the config's `set`.
//!
//! # Errors
//! Every rule answers with a [`ConfigError`]: the key it is about, the [`Problem`] with the
//! values that broke it, and where to point ([`Blame`]). **Every message names its key.**
//! A diagnostic points at:
//! - [`Blame::Value`] with no [`index`](ConfigError::index): the value of
//!   [`key`](ConfigError::key) (the key's own rule: `max = 0`);
//! - [`Blame::Value`] with an index: that entry of the key's list (a backoff list delay);
//! - [`Blame::Key`]: the key itself (a rule across keys, or a key that has no effect).
//!
//! Each config has a `const fn validate` (the first broken rule; `const`, so a `const`
//! config is checked at compile time) and `errors(given)` (every broken rule, for
//! diagnostics that report all mistakes at once). `given` is the [`KeySet`] of keys the user
//! wrote: it words the messages ("the default `max_delay` (5s)"), picks the key a rule
//! across keys blames, and enables the rules about a written key that has no effect here
//! (`multiplier` without `backoff = "exp"`), which a config value alone cannot judge.
//! `validate()` is the first error of `errors(KeySet::EMPTY)`: it judges a value as the
//! attribute would judge the shortest attribute that builds it.
//!
//! ```
//! use std::time::Duration;
//! use resile_config::{Blame, KeySet, RetryConfig, Value};
//!
//! // What `#[retry(base_delay = "10s", jitter = 1.5)]` builds and reports:
//! let mut cfg = RetryConfig::new();
//! let mut given = KeySet::EMPTY;
//! let mut messages = Vec::new();
//! for (key, value) in [("base_delay", Value::Duration(Duration::from_secs(10))), ("jitter", Value::Number(1.5))] {
//!     match cfg.set(key, value) {
//!         Ok(()) => given = given.with(key),
//!         Err(e) => messages.push((e.to_string(), e.blame())),
//!     }
//! }
//! messages.extend(cfg.errors(given).iter().map(|e| (e.to_string(), e.blame())));
//! assert_eq!(messages, [
//!     ("`jitter` must be within 0.0..=1.0, found 1.5".to_string(), Blame::Value),
//!     ("`base_delay` (10s) exceeds the default `max_delay` (5s); set `max_delay` to at least 10s".to_string(), Blame::Key),
//! ]);
//! ```
//!
//! # Rules
//! Every rule, per config. "Written" rules concern keys in `given` only; the others judge
//! values. Where the attribute and the runtime disagreed before this crate existed, the
//! stricter rule holds, marked *(stricter)* with whose rule it was.
//!
//! [`RetryConfig`]:
//! - `max` >= 1.
//! - `backoff`: a list holds at least one delay.
//! - `multiplier` is finite and >= 1.0.
//! - `jitter`: a proportion is within 0.0..=1.0.
//! - `budget`, when set, > 0.
//! - `base_delay` <= `max_delay`.
//! - With a backoff list, `max` is its length + 1: written next to a list, or different, it
//!   is an error (the attribute forbade writing it, the runtime a different value).
//! - Each backoff list delay <= `max_delay` (the first one above is reported).
//! - Written: `multiplier` needs `backoff = "exp"`.
//! - Written: `increment` needs `backoff = "linear"`.
//!
//! [`RetryBudgetConfig`]:
//! - `ratio` within 0.0..=1000.0 (the runtime's rule).
//! - `ttl` within 1s..=60s (the runtime's rule).
//!
//! [`CircuitBreakerConfig`]:
//! - `window_size` within 1..=[`MAX_WINDOW_SIZE`] *(stricter: the runtime's upper bound; the
//!   attribute took up to `u32::MAX`)*.
//! - `failure_rate_threshold` within 0.0 (exclusive) ..= 1.0.
//! - `slow_call_threshold`, when set, > 0.
//! - `slow_call_rate_threshold` within 0.0 (exclusive) ..= 1.0.
//! - `minimum_calls` >= 1.
//! - `open_timeout` > 0.
//! - `permitted_calls_in_half_open` >= 1.
//! - With a count window, `minimum_calls` <= `window_size`.
//! - Written: `slow_call_rate_threshold` needs `slow_call_threshold`.
//!
//! [`HedgeConfig`]:
//! - `percentile`, when set, within 0 < p < 100.
//! - `max_requests` >= 1.
//! - `timeout`, when set, > 0.
//! - `buffer_size` >= 1.
//! - `min_samples` >= 1.
//! - `token_max`, `token_success_credit`, `token_hedge_cost` finite and > 0.
//! - `token_threshold` finite and > 0 *(stricter: the attribute's rule; the runtime took 0,
//!   which would let a hedge take the bucket below zero)*.
//! - Written: `delay` only in static mode (no `percentile`).
//! - Written: `buffer_size`, `min_samples`, `initial_delay`, `min_delay`, `max_delay` only in
//!   adaptive mode (with `percentile`).
//! - `min_delay` <= `max_delay`.
//! - `min_samples` <= `buffer_size` *(stricter: the runtime's rule; the attribute checked it
//!   only when both were written)*.
//! - With `timeout`, static mode: `delay` < `timeout`.
//! - With `timeout`, adaptive mode: `initial_delay` < `timeout` and `min_delay` < `timeout`
//!   *(stricter: the attribute's rule; the runtime checked the static `delay` only)*.
//! - `token_threshold` <= `token_max`.
//!
//! [`TimeoutConfig`]:
//! - `after` > 0.
//!
//! [`BulkheadConfig`]:
//! - `max_concurrent` >= 1 (required: it has no default).
//! - `weight` >= 1.
//! - `weight` <= `max_concurrent`.
//! - `max_wait`: any duration; zero refuses at once.
//!
//! [`RateLimitConfig`]:
//! - `rate` finite, > 0 and within 1e-6..=1e12.
//! - `burst_size`, when set, within 1.0..=1e12.
//! - `weight` >= 1.
//! - `weight` <= `burst_size` (default: `rate`), so a `rate` below 1 needs a `burst_size`.
//!
//! [`ChaosConfig`]:
//! - `error_rate`, `latency_rate`, `hang_rate` within 0.0..=1.0.
//! - `error_rate + hang_rate` <= 1.0.
//! - Written: `latency_rate` needs `latency`.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]

mod bulkhead;
mod chaos;
mod check;
mod circuit_breaker;
pub mod duration;
mod error;
mod hedge;
mod keys;
mod policy;
mod rate_limit;
mod retry;
mod retry_budget;
mod text;
mod timeout;
mod value;

pub use bulkhead::{AdaptiveAlgorithm, BulkheadConfig, DEFAULT_INITIAL_CONCURRENT};
pub use chaos::ChaosConfig;
pub use circuit_breaker::{CircuitBreakerConfig, MAX_WINDOW_SIZE, WindowKind};
pub use error::{Blame, ConfigError, Problem, Section, Text};
pub use hedge::HedgeConfig;
pub use keys::{Key, KeyKind, KeySet};
pub use policy::{
    BulkheadPolicy, ChaosPolicy, CircuitBreakerPolicy, HedgePolicy, KEYED_KEYS, POLICY_KEY, RateLimitPolicy,
    RetryPolicy,
};
pub use rate_limit::RateLimitConfig;
pub use retry::{Backoff, Jitter, RetryConfig};
pub use retry_budget::RetryBudgetConfig;
pub use timeout::TimeoutConfig;
pub use value::Value;
