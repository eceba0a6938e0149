//! Retry: run an operation again when it fails, with a backoff between attempts.
//!
//! # When to use
//! For transient failures of an idempotent operation: a dropped connection, a 503, a lock
//! timeout. Not for errors that will fail again (validation, 404): filter those out with
//! `retry_if`. Bound the total extra load with a shared [`RetryBudget`] and the total time
//! with `budget` or an outer timeout.
//!
//! # Quick start
//! ```
//! use resile_runtime::retry::{Jitter, Retry, RetryConfig};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let retry: Retry<&str> = Retry::new(RetryConfig::new().max(3).jitter(Jitter::None));
//! let mut calls = 0;
//! let result = retry
//!     .call(|| {
//!         calls += 1;
//!         let n = calls;
//!         async move { if n < 3 { Err("flaky") } else { Ok(n) } }
//!     })
//!     .await;
//! assert_eq!(result, Ok(3));
//! # }
//! ```
//!
//! # How it works
//! [`RetryRun`] is the whole algorithm: after each attempt [`RetryRun::next`] is handed the
//! result and either returns it (success, a non-retryable error, attempts exhausted, wall-clock
//! `budget` or retry budget exhausted) or names the backoff delay to sleep, on tokio's clock,
//! before another attempt. [`Retry::call`] and the `#[retry]` expansion both drive it.
//!
//! # Configuration
//! See [`RetryConfig`]; delays come from [`Backoff`] and [`Jitter`].
//!
//! # Errors
//! A retry never invents an error: the caller gets the last attempt's error.
//!
//! # Cancellation
//! Dropping the call's future mid-attempt drops the attempt; mid-sleep drops the timer. A
//! retry holds no permit, so nothing else needs releasing.
//!
//! # Performance
//! The success path is a branch on `Ok`: no clock read, no atomic and no allocation, unless
//! a wall-clock `budget` (one clock read per call) or a retry budget (one clock read and one
//! `fetch_add` per call) is configured.

mod backoff;
mod budget;
mod config;

pub use budget::{RetryBudget, RetryBudgetConfig, RetryBudgetStats};
pub use config::{Backoff, ConfigError, Jitter, RetryConfig};

use std::fmt::Debug;
use std::future::Future;
use std::ops::ControlFlow;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::Instant;

use crate::registry::Registry;
use crate::telemetry::{self, Event};

/// The callbacks of one retry call site, typed by the error `E`.
#[derive(Debug)]
pub struct RetryHooks<E> {
    /// Which errors are retried; `None` retries every error.
    pub retry_if: Option<fn(&E) -> bool>,
    /// Called before each sleep with the failed attempt (from 1), the delay and the error.
    pub on_retry: Option<fn(u32, Duration, &E)>,
}

impl<E> Clone for RetryHooks<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for RetryHooks<E> {}

impl<E> RetryHooks<E> {
    /// No callbacks.
    pub const NONE: RetryHooks<E> = RetryHooks { retry_if: None, on_retry: None };
}

impl<E> Default for RetryHooks<E> {
    fn default() -> Self {
        Self::NONE
    }
}

/// A retry policy's shared, non-generic part: configuration, telemetry name and the
/// (lazily resolved) named retry budget. The `#[retry]` expansion keeps one per call site
/// in a `static`.
#[derive(Debug)]
pub struct RetrySite {
    config: RetryConfig,
    function: &'static str,
    budget_name: Option<&'static str>,
    budget: OnceLock<&'static RetryBudget>,
}

impl RetrySite {
    /// A call site for `function` with `config`, optionally drawing on the named retry budget.
    pub const fn new(function: &'static str, config: RetryConfig, budget_name: Option<&'static str>) -> Self {
        RetrySite { config, function, budget_name, budget: OnceLock::new() }
    }

    /// The configuration.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }

    #[inline]
    fn budget(&self) -> Option<&'static RetryBudget> {
        let name = self.budget_name?;
        Some(*self.budget.get_or_init(|| retry_budget(name)))
    }

    /// Starts one guarded call. `hooks` is usually a promoted constant (`&RetryHooks { .. }`
    /// of fn paths), so a call stores one pointer for them.
    #[inline]
    pub fn start<'h, E>(&'h self, hooks: &'h RetryHooks<E>) -> RetryRun<'h, E> {
        let started = if self.budget_name.is_some() || self.config.budget.is_some() { self.begin() } else { None };
        RetryRun { site: self, hooks, attempt: 1, previous: None, started, describe: None }
    }

    /// The start of a call that needs the clock: a wall-clock `budget` or a retry budget.
    #[cold]
    fn begin(&self) -> Option<Instant> {
        let now = Instant::now();
        if let Some(b) = self.budget() {
            b.deposit(b.clock(now));
        }
        Some(now)
    }
}

/// One guarded call in progress: hand it each attempt's result with [`RetryRun::next`].
#[derive(Debug)]
pub struct RetryRun<'s, E> {
    site: &'s RetrySite,
    hooks: &'s RetryHooks<E>,
    attempt: u32,
    /// The previous sleep, for decorrelated jitter; `None` before the first.
    previous: Option<Duration>,
    /// When the call started, read only for a wall-clock `budget` or a retry budget.
    started: Option<Instant>,
    /// Set on the first error that `describe`s itself.
    describe: Option<fn(&E) -> &dyn Debug>,
}

impl<E> RetryRun<'_, E> {
    /// The attempt about to run or just run, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Decides after an attempt: `Break(result)` ends the call with `result`;
    /// `Continue(delay)` means: sleep `delay` (on tokio's clock), then run the next attempt.
    ///
    /// Synchronous and inlined, so a success costs one branch. `describe`, when `Some`,
    /// shows errors in telemetry (the expansion passes it when `E: Debug`).
    #[inline]
    pub fn next<T>(
        &mut self,
        result: Result<T, E>,
        describe: Option<fn(&E) -> &dyn Debug>,
    ) -> ControlFlow<Result<T, E>, Duration> {
        match result {
            Ok(v) => ControlFlow::Break(Ok(v)),
            Err(e) => {
                if describe.is_some() {
                    self.describe = describe;
                }
                match self.plan(&e) {
                    Some(delay) => {
                        self.attempt += 1;
                        ControlFlow::Continue(delay)
                    }
                    None => ControlFlow::Break(Err(e)),
                }
            }
        }
    }

    /// The sleep before the next attempt, or `None` to stop with this error.
    #[inline(never)]
    fn plan(&mut self, error: &E) -> Option<Duration> {
        let cfg = &self.site.config;
        if self.attempt >= cfg.max || self.hooks.retry_if.is_some_and(|f| !f(error)) {
            return None;
        }
        let previous = self.previous.unwrap_or(cfg.base_delay);
        let delay = backoff::sleep(cfg, self.attempt, previous, &mut || fastrand::f64());
        if let (Some(limit), Some(started)) = (cfg.budget, self.started)
            && started.elapsed() + delay > limit
        {
            tracing::debug!(target: "resile", function = self.site.function, attempt = self.attempt, "retry stopped: wall-clock budget would be exceeded");
            return None;
        }
        if let Some(budget) = self.site.budget()
            && !budget.withdraw(budget.clock(Instant::now()))
        {
            tracing::debug!(target: "resile", function = self.site.function, budget = budget.name(), "retry denied by retry budget");
            telemetry::emit(Event::RetryBudgetExhausted { function: self.site.function, budget: budget.name() });
            return None;
        }
        self.previous = Some(delay);
        let shown = self.describe.map(|d| d(error));
        tracing::debug!(
            target: "resile",
            function = self.site.function,
            attempt = self.attempt,
            delay_ms = delay.as_millis() as u64,
            error = shown.map(tracing::field::debug),
            "retrying"
        );
        telemetry::emit(Event::Retry { function: self.site.function, attempt: self.attempt, delay, error: shown });
        if let Some(on_retry) = self.hooks.on_retry {
            on_retry(self.attempt, delay, error);
        }
        Some(delay)
    }
}

/// A retry policy as a plain value.
#[derive(Debug)]
pub struct Retry<E> {
    site: RetrySite,
    hooks: RetryHooks<E>,
}

impl<E> Retry<E> {
    /// A policy with `config` and no callbacks.
    ///
    /// # Panics
    /// If `config` is invalid (see [`RetryConfig::validate`]).
    pub fn new(config: RetryConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid retry config: {e}");
        }
        Retry { site: RetrySite::new("resile::Retry", config, None), hooks: RetryHooks::NONE }
    }
    /// Retries only errors for which `f` returns `true`.
    pub fn retry_if(mut self, f: fn(&E) -> bool) -> Self {
        self.hooks.retry_if = Some(f);
        self
    }
    /// Calls `f(attempt, delay, &error)` before each sleep.
    pub fn on_retry(mut self, f: fn(u32, Duration, &E)) -> Self {
        self.hooks.on_retry = Some(f);
        self
    }
    /// Draws retries from the named, shared [`RetryBudget`].
    pub fn retry_budget(mut self, name: &'static str) -> Self {
        self.site.budget_name = Some(name);
        self
    }
    /// Names the policy in telemetry.
    pub fn named(mut self, function: &'static str) -> Self {
        self.site.function = function;
        self
    }

    /// Runs `op` until it succeeds or the policy stops, returning the last result.
    pub async fn call<T, F, Fut>(&self, mut op: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut run = self.site.start(&self.hooks);
        loop {
            match run.next(op().await, None) {
                ControlFlow::Break(result) => return result,
                ControlFlow::Continue(delay) => tokio::time::sleep(delay).await,
            }
        }
    }
}

static BUDGETS: Registry<RetryBudget> = Registry::new();

/// The retry budget named `name`, created with the default [`RetryBudgetConfig`] on first
/// use. Configure it with [`RetryBudget::configure`].
pub fn retry_budget(name: &str) -> &'static RetryBudget {
    BUDGETS.get_or_create(name, |n| RetryBudget::new(n, RetryBudgetConfig::new())).0
}

impl RetryBudget {
    /// Time on this budget's own clock: tokio's `now`, from the budget's first use.
    fn clock(&self, now: Instant) -> Duration {
        let now = now.into_std();
        now.saturating_duration_since(*self.origin().get_or_init(|| now))
    }

    /// Counters and the retries available now (tokio's clock).
    pub fn stats(&self) -> RetryBudgetStats {
        self.stats_at(self.clock(Instant::now()))
    }
}
