//! Live configuration: change the settings of named instances while the process runs,
//! from a TOML text, a file that is watched, or a control plane that is polled; and turn
//! policies off.
//!
//! # When to use
//! To tune a breaker's threshold, a bulkhead's size or a rate limiter's rate without a
//! restart, from an operator's file or a configuration service; and to take resilience out
//! of the way (`enabled = false`, [`set_enabled`]) when it is what misbehaves.
//!
//! # Quick start
//! ```
//! # use resile_runtime as resile;
//! use resile::circuit_breaker::{circuit_breaker, CircuitBreaker, CircuitBreakerConfig};
//!
//! CircuitBreaker::named("orders-db", CircuitBreakerConfig::new().window_size(50));
//! let applied = resile::config::apply_toml(r#"
//!     [circuit_breaker.orders-db]
//!     failure_rate_threshold = 0.25
//!     open_timeout = "30s"
//! "#).unwrap();
//! assert_eq!(applied.to_string(), "circuit_breaker.orders-db: failure_rate_threshold, open_timeout");
//! let config = circuit_breaker("orders-db").config().unwrap();
//! assert_eq!((config.window_size, config.failure_rate_threshold), (50, 0.25)); // 50: declared
//!
//! // One bad value, and nothing changes:
//! let err = resile::config::apply_toml(r#"
//!     [circuit_breaker.orders-db]
//!     failure_rate_threshold = 0.3
//!     window_size = 0
//! "#).unwrap_err();
//! assert_eq!(err.to_string(), "[circuit_breaker.orders-db] window_size: `window_size` must be at least 1, found 0");
//! assert_eq!(circuit_breaker("orders-db").config().unwrap().failure_rate_threshold, 0.25);
//! ```
//!
//! # How it works
//! A file has one section per named instance, `[circuit_breaker.<name>]`, `[bulkhead.<name>]`,
//! `[rate_limit.<name>]`, `[hedge.<name>]`, `[retry_budget.<name>]`, whose keys are the
//! attribute's (see each attribute's table; durations as strings with a unit, `"250ms"`). A section
//! sets the keys it names; the others keep the instance's declared values (the defaults if
//! nothing declares it), key by key, also when the declaration is seen after the file (an
//! instance is declared at its first call). A file is the whole live truth for the sections
//! it names: a key that an earlier file set and this one does not name goes back to its
//! declared value; sections it does not name keep theirs. Each value is checked with the attribute's own rules and words
//! ([`resile_config`]); every section is checked before any is put in force, so **one bad or
//! unknown key or value changes nothing** ([`apply_toml`]).
//!
//! Settings put in force this way are *live* ([`Source::Live`](crate::kit::Source), which an
//! instance reports when at least one of its keys is): they win over declarations, earlier
//! or later, key by key (`reconfigure` on a handle sets every key). A declaration seen after
//! the file that breaks a rule across keys with the live ones (`minimum_calls` above its
//! `window_size`) is reported as an `ERROR` event naming the section and the key, and the
//! settings in force stay as they were. `enabled` is not a setting: a section that only says
//! `enabled = false` makes no key live, so the declaration still comes into force. Each instance reads its settings through a
//! generation swap (`Swap`: one `Acquire` load per call, no lock): a call reads them once,
//! when it starts, and keeps them to its end; the next call sees the new ones.
//!
//! A bulkhead's `weight` and `max_wait`, a rate limiter's, and a hedge's `delay`,
//! `max_requests` and `timeout` are each call site's own (two sites of one name may differ
//! in them): a file cannot set them, and says so, naming the keys it can set. A bulkhead's
//! `max_concurrent` and a rate limiter's burst must still hold the `weight` of every call
//! site that has used the instance, not only the declaration's: a file (or a handle's
//! `reconfigure`) that lowers them below a site's weight is refused, naming the weight.
//!
//! # Turning policies off
//! `enabled = false` in a `[circuit_breaker.*]`, `[bulkhead.*]` or `[rate_limit.*]` section
//! turns that instance off: a breaker is `Disabled` (as [`disable`](crate::circuit_breaker::CircuitBreakerHandle::disable):
//! it admits everything and records nothing), a bulkhead or a rate limiter admits every call
//! at once, taking no permit and no token. [`set_enabled(false)`](set_enabled) does the same
//! for every breaker, bulkhead and rate limiter of the process, and also turns off retries
//! (one attempt), timeouts (no deadline) and hedges (the first attempt alone). Calls still run inside their
//! `resile` span, so telemetry sees them. A file is the whole live configuration: a later
//! file without `enabled = false` for a name a file turned off (its section changed or
//! deleted) turns it back on (an operator's own `disable()` is left alone).
//!
//! # Sources
//! - [`apply_toml`]: a text, now.
//! - [`poll`]: a [`ConfigSource`] (a control plane) fetched at an interval, with capped
//!   exponential backoff while it fails.
//! - `watch_file` (cargo feature `watch`): a file, reloaded when it changes.
//!
//! # Configuration
//! The keys of each section are the attribute's, listed in the config crate's key tables
//! (`CircuitBreakerConfig::KEYS`, …), plus `enabled` for breakers, bulkheads and rate
//! limiters. [`poll_with_backoff`] takes the backoff of a failing source as a
//! [`RetryConfig`](crate::RetryConfig).
//!
//! # Cancellation
//! [`poll`] and `watch_file` return a [`Poller`]: dropping it (or [`Poller::stop`]) aborts
//! the task between two fetches or during one; a configuration being applied is applied
//! whole first (applying is synchronous). [`Poller::detach`] keeps it running.
//!
//! # Errors
//! [`ConfigError`], naming the section and the key: `[circuit_breaker.db] window_size: …`;
//! an unknown key or section gets a "did you mean" when one is close.
//!
//! # Performance
//! Nothing on the call path but the switch: one `Relaxed` load of one word on each breaker,
//! bulkhead and rate-limit admission, which is zero while everything is on (see
//! `benches/README.md`). Applying a file takes a process-wide lock, each instance's lock, and
//! allocates; it is meant for an operator's pace, not per call.

mod file;
pub(crate) mod kinds;
mod source;
pub(crate) mod switch;
#[cfg(feature = "watch")]
mod watch;

use std::fmt;
use std::sync::Mutex;

pub use source::{ConfigSource, Poller, default_backoff, poll, poll_with_backoff};
#[cfg(feature = "watch")]
pub use watch::{Watcher, watch_file};

use crate::ConfigError;

/// What a configuration put in force: one [`Change`] per section, in the order circuit
/// breakers, bulkheads, rate limiters, hedge trackers, retry budgets, then by name.
/// `Display` writes one line per section that changed something:
/// `circuit_breaker.db: window_size, open_timeout`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Every section, changed or not.
    pub changes: Vec<Change>,
}

impl Applied {
    /// Whether no setting changed.
    pub fn is_empty(&self) -> bool {
        self.changes.iter().all(|c| c.keys.is_empty())
    }
}

impl fmt::Display for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for change in self.changes.iter().filter(|c| !c.keys.is_empty()) {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            write!(f, "{}.{}: {}", change.kind, change.name, change.keys.join(", "))?;
        }
        Ok(())
    }
}

/// What one section changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The kind: `circuit_breaker`, `bulkhead`, `rate_limit`, `hedge`, `retry_budget`.
    pub kind: &'static str,
    /// The instance's name.
    pub name: String,
    /// The keys whose value changed (a key the section names with the value in force is
    /// not listed; a key it leaves out that goes back to its declared value is), plus
    /// `enabled` when the instance was turned off or on. For an instance the section
    /// created, every key it has.
    pub keys: Vec<&'static str>,
    /// Whether the instance did not exist before (no call site had used it yet).
    pub created: bool,
    /// Whether the instance is on after the change.
    pub enabled: bool,
}

/// Serialises the appliers, so that two files are each put in force whole.
static APPLYING: Mutex<()> = Mutex::new(());

/// Puts the settings of a TOML text in force, all or nothing.
///
/// Each section `[kind.name]` sets the keys it names on the instance `name`, creating it
/// if no call site has used it yet; the keys it does not name take the instance's declared
/// values (the defaults if nothing declares it). Every key and value is checked, with the
/// rules and messages of the attribute, before anything is put in force. Calls already
/// running keep the settings they started with.
///
/// The result is reported to telemetry: an `INFO` event (target `resile`) listing what
/// changed.
///
/// # Errors
/// The first problem found (sections by kind then name, keys in order), naming the section
/// and the key, e.g. `[circuit_breaker.db] window_size: `window_size` must be at least 1,
/// found 0`: a syntax error (line and column), an unknown section or key (with a "did you
/// mean"), a value of the wrong kind, a value a rule refuses, or a call site's own key.
/// Then nothing changes.
///
/// # Cost
/// Parsing, one lock per instance, a few allocations per section; no call waits for it.
pub fn apply_toml(text: &str) -> Result<Applied, ConfigError> {
    let _applying = APPLYING.lock().unwrap_or_else(|e| e.into_inner());
    let applied = file::plan(text)?.apply();
    if !applied.is_empty() {
        tracing::info!(target: "resile", "live configuration applied: {}", applied.to_string().replace('\n', "; "));
    }
    Ok(applied)
}

/// Turns every policy of the process off (`false`) or back on (`true`, the default).
///
/// Off, a call passes unguarded: a breaker admits it and records nothing, a bulkhead takes
/// no permit, a rate limiter no token, a retry makes one attempt, a timeout sets no
/// deadline, a hedge runs the first attempt alone. It still runs in its `resile` span, so telemetry
/// counts it. Calls already admitted keep their permits and tokens until they end. The
/// instances' own states and settings are untouched, so turning back on resumes where they
/// were (a breaker's window as it was left).
///
/// # Cost
/// Each admission reads the switch with one `Relaxed` load; turned off, a call costs about
/// what a raw call does plus that load (`benches/README.md`).
pub fn set_enabled(enabled: bool) {
    switch::set_all(enabled);
    if enabled {
        tracing::info!(target: "resile", "resilience policies turned back on");
    } else {
        tracing::warn!(target: "resile", "every resilience policy is turned off: calls pass unguarded");
    }
}

/// Whether the policies are on (see [`set_enabled`]).
pub fn is_enabled() -> bool {
    switch::all_on()
}
