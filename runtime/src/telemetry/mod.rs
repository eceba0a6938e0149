//! Telemetry: `tracing` spans and events (target `resile`) and the [`Observer`] hook.
//!
//! Every event goes through one funnel (this module's `emit`), which writes it to `tracing`
//! and passes it to the observer, so each event is described once and reaches every sink
//! the same way. Policies emit events for retries, retries exhausted, rejections, state
//! changes and hedges. The events of one guarded call are children of that call's `resile`
//! span ([`CallSpan`]), which the first of them creates.
//!
//! # Fields
//!
//! The span (target `resile`, `DEBUG`, named `resile`) has one field, `function`: the
//! guarded function as [`Function`] shows it, `Orders::get` for a method, the fn's path
//! for a free function. Every event of a call has the same `function`, and:
//!
//! | field | value |
//! |---|---|
//! | `resilience.policy` | `retry`, `retry_budget`, `circuit_breaker`, `hedge`, `timeout`, `bulkhead`, `rate_limit`: the policy that acted |
//! | `resilience.name` | the named instance that acted (breaker, hedge tracker, retry budget, bulkhead, rate limiter), where there is one |
//! | `resilience.key` | a keyed breaker's key, by its `Debug`, on its state changes (absent for a breaker of a name, or a key type without `Debug`) |
//! | `resilience.attempt` | the attempt the event is about, from 1, where it applies |
//! | `error` | the error by its `Display` (never its `Debug`, which may drag a backtrace); absent when the error type has no `Display` |
//!
//! | event | level | message (example) | more fields |
//! |---|---|---|---|
//! | [`Event::Retry`] | `DEBUG` | `attempt 1 of 3 for Orders::get failed, retrying in 200ms: connection refused`; with a hint: `retrying in 1.5s (the error asked for 1.5s): ...` | `delay_ms`, `retry_after_ms` (when the error gave a hint) |
//! | [`Event::RetriesExhausted`] | `WARN` | `retries exhausted for Orders::get after 3 attempts (1.2s since the first failed): connection refused` | `attempts`, `elapsed_ms` |
//! | [`Event::NotRetryable`] | `DEBUG` | `attempt 1 of 3 for Orders::get failed with an error retry_if does not retry: not found` | |
//! | [`Event::RetryOutOfTime`] | `DEBUG` | `attempt 2 for Orders::get failed and is not retried: the next sleep would end past the wall-clock budget: ...` | |
//! | [`Event::RetryHintTooLong`] | `DEBUG` | `attempt 1 for Orders::get failed and is not retried: the error asks to wait 10s, longer than max_delay (5s): ...` | `retry_after_ms` |
//! | [`Event::RetryPastDeadline`] | `DEBUG` | `attempt 3 for Orders::get failed and is not retried: the next sleep (400ms) would end past the deadline, 300ms away: ...` | `delay_ms`, `deadline_in_ms` |
//! | [`Event::RetryBudgetExhausted`] | `DEBUG` | `attempt 1 for Orders::get failed and is not retried: retry budget `db` is exhausted: ...` | |
//! | [`Event::Rejected`] | `DEBUG` | `call to Orders::get refused: circuit breaker `db` is open`, `call to Orders::get timed out after 250ms` | |
//! | [`Event::StateChange`] | `WARN` to `Open`/`ForcedOpen`, else `INFO` | `circuit breaker `db`: closed -> open` | `from`, `to`; `resilience.key` for a keyed breaker's instance (`key = ..`: the key by its `Debug`, made when the key's instance was created); no `function`: a shared breaker's event |
//! | [`Event::HedgeFired`], [`Event::HedgeWon`], [`Event::HedgeDenied`] | `DEBUG` | `hedge: attempt 2 of Orders::get started` | |
//! | [`Event::BulkheadWait`] | `DEBUG` | `call to Orders::get waited 20ms for bulkhead `db`` | `waited_ms` |
//! | [`Event::RateLimitWait`] | `DEBUG` | `call to Orders::get waits 333.333334ms for rate limiter `api`` | `waited_ms` |
//! | [`Event::ChaosInjected`] | `DEBUG` | `chaos: injected latency (200ms) into Orders::get` | `fault`, `latency_ms` |
//!
//! An [`Observer`] set with [`set_observer`] receives the same events as plain values.
//! With the cargo feature `metrics`, the funnel also counts each event in resile's metrics
//! (module `metrics`, which documents their names, labels and cost).
//!
//! # Performance
//! Nothing on the success path: events are only built when something happens, and a call
//! carries its impl type as a zero-sized [`ImplType`], asked for the name only when an
//! event is written. An event with no subscriber, no observer and no
//! [`timeline`](crate::timeline) capture interested costs three atomic loads (tracing's max
//! level, the observer flag, the count of live captures).
//!
//! ```
//! # use resile_runtime as resile;
//! use resile::telemetry::{set_observer, Event, Observer};
//!
//! struct LogRetries;
//! impl Observer for LogRetries {
//!     fn on_event(&self, event: &Event<'_>) {
//!         match event {
//!             Event::Retry { function, attempt, error: Some(error), .. } => {
//!                 println!("{function}: attempt {attempt} failed ({error}), retrying");
//!             }
//!             Event::RetriesExhausted { function, attempt, .. } => {
//!                 println!("{function}: gave up after attempt {attempt}");
//!             }
//!             _ => {}
//!         }
//!     }
//! }
//! set_observer(LogRetries);
//! ```

pub(crate) mod event;
pub(crate) mod function;
pub(crate) mod listeners;
pub(crate) mod meter;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(any(feature = "testing", doc))]
pub(crate) mod record;
mod recording;
mod span;

pub use event::Event;
pub use function::{Free, Function, ImplType, Method};
use listeners::{LISTENERS, OBSERVED};
pub use span::CallSpan;

use std::fmt::{self, Display};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use crate::{Rejection, State};

/// Receives every telemetry [`Event`]. Set one with [`set_observer`].
pub trait Observer: Send + Sync + 'static {
    /// Called synchronously where the event happens; keep it cheap.
    fn on_event(&self, event: &Event<'_>);
}

static OBSERVER: ArcSwapOption<Box<dyn Observer>> = ArcSwapOption::const_empty();

/// Installs `observer`, replacing any previous one.
pub fn set_observer(observer: impl Observer) {
    OBSERVER.store(Some(Arc::new(Box::new(observer))));
    LISTENERS.fetch_or(OBSERVED, Ordering::Release);
}

/// Removes the observer, if any.
pub fn clear_observer() {
    LISTENERS.fetch_and(!OBSERVED, Ordering::Release);
    OBSERVER.store(None);
}

/// Writes `event`, an event of `call` (the guarded call of `function`), to `tracing` as a
/// child of the call's span, then passes it to the observer. With no subscriber interested
/// in its level, no observer and no timeline capture, three atomic loads and nothing else.
#[inline]
pub(crate) fn emit_in(call: &CallSpan, function: Function, event: Event<'_>) {
    if heard(event.level()) {
        emit_in_heard(call, function, &event);
    }
}

/// Reports `rejection`, a refusal by `policy` (its instance `name`, if any) of `call` (the
/// guarded call of `function`), as [`emit_in`] does, and returns it. The event is built
/// only if something may hear it (measured: building it first costs the refused path a few
/// instructions), so a refused call pays three loads for its telemetry when nothing listens.
#[inline]
pub(crate) fn rejected(
    call: &CallSpan,
    function: impl FnOnce() -> Function,
    policy: &'static str,
    name: Option<&'static str>,
    rejection: Rejection,
) -> Rejection {
    #[cfg(feature = "metrics")]
    call.mark_rejected();
    if heard(tracing::Level::DEBUG) {
        let function = function();
        emit_in_heard(call, function, &Event::Rejected { function, policy, name, rejection: &rejection });
    }
    rejection
}

/// Reports a fault a chaos injector (its `name`, if any) put into `call`, as [`emit_in`]
/// does; the event is built only if something may hear it.
#[cfg(feature = "chaos")]
#[inline]
pub(crate) fn chaos_injected(
    call: &CallSpan,
    function: impl FnOnce() -> Function,
    name: Option<&'static str>,
    fault: &'static str,
    latency: Option<Duration>,
) {
    if heard(tracing::Level::DEBUG) {
        let function = function();
        emit_in_heard(call, function, &Event::ChaosInjected { function, name, fault, latency });
    }
}

#[cold]
#[inline(never)]
fn emit_in_heard(call: &CallSpan, function: Function, event: &Event<'_>) {
    call.with_span(function, |span| trace(span, event));
    observe(event);
    if crate::timeline::active() {
        crate::timeline::observe(call.timeline(), event);
    }
}

/// Writes `event`, an event of a shared instance rather than of one call (a state change),
/// to `tracing` in the current span, then passes it to the observer.
#[cold]
#[inline(never)]
pub(crate) fn emit(event: Event<'_>) {
    trace(None, &event);
    observe(&event);
}

/// Whether anything may want an event at `level`: a subscriber interested in the level
/// (tracing's global max level, one load), or an observer or a timeline capture (one load
/// for both).
#[inline]
pub(crate) fn heard(level: tracing::Level) -> bool {
    // Orderings: `Relaxed`; a sink installed concurrently may miss an event either way.
    // With the `metrics` feature every event counts.
    cfg!(feature = "metrics")
        || level <= tracing::level_filters::LevelFilter::current()
        || LISTENERS.load(Ordering::Relaxed) != 0
        || recording::recording()
        || sim_probing()
}

/// Whether a `resile::sim` run is listening (its probe counts rejections, hedges and
/// breaker transitions): one `Relaxed` load with the `sim` feature, nothing without it.
#[inline(always)]
fn sim_probing() -> bool {
    #[cfg(feature = "sim")]
    return crate::sim::probe::live();
    #[cfg(not(feature = "sim"))]
    false
}

impl Event<'_> {
    /// The `tracing` level the event is written at.
    fn level(&self) -> tracing::Level {
        match self {
            Event::RetriesExhausted { .. } | Event::StateChange { to: State::Open | State::ForcedOpen, .. } => {
                tracing::Level::WARN
            }
            Event::StateChange { .. } => tracing::Level::INFO,
            _ => tracing::Level::DEBUG,
        }
    }
}

fn observe(event: &Event<'_>) {
    recording::observe(event);
    #[cfg(feature = "sim")]
    crate::sim::probe::observe(event);
    #[cfg(feature = "metrics")]
    metrics::on_event(event);
    // Orderings: `Relaxed` is enough: the flag only saves the load below when nothing is
    // set, and the `ArcSwap` load is itself synchronised.
    if LISTENERS.load(Ordering::Relaxed) & OBSERVED != 0
        && let Some(observer) = OBSERVER.load().as_ref()
    {
        observer.on_event(event);
    }
}

/// A `tracing` event of target `resile`, a child of `$parent` when it is `Some`.
macro_rules! event {
    ($parent:expr, $level:ident, $($rest:tt)*) => {
        match $parent {
            Some(parent) => tracing::$level!(target: "resile", parent: parent, $($rest)*),
            None => tracing::$level!(target: "resile", $($rest)*),
        }
    };
}

/// `": {error}"`, or nothing without an error: the end of a message.
struct Cause<'a>(Option<&'a dyn Display>);

impl Display for Cause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(error) => write!(f, ": {error}"),
            None => Ok(()),
        }
    }
}

/// ` (the error asked for 1.5s)` after a retry's delay, when the error gave a hint.
struct Asked(Option<Duration>);

impl Display for Asked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(hint) => write!(f, " (the error asked for {hint:?})"),
            None => Ok(()),
        }
    }
}

/// ` (200ms)`: an injected latency's length, or nothing.
struct Latency(Option<Duration>);

impl Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, " ({d:?})"),
            None => Ok(()),
        }
    }
}

/// Milliseconds, for the numeric `*_ms` fields.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The one place each event kind meets `tracing`: its level, fields and message.
fn trace(parent: Option<&tracing::Span>, event: &Event<'_>) {
    match *event {
        Event::Retry { function, attempt, max, delay, retry_after, error } => event!(
            parent,
            debug,
            function = %function,
            resilience.policy = "retry",
            resilience.attempt = attempt,
            delay_ms = millis(delay),
            retry_after_ms = retry_after.map(millis),
            error = error.map(display),
            "attempt {attempt} of {max} for {function} failed, retrying in {delay:?}{}{}",
            Asked(retry_after),
            Cause(error)
        ),
        Event::RetriesExhausted { function, attempt, elapsed, error } => event!(
            parent,
            warn,
            function = %function,
            resilience.policy = "retry",
            resilience.attempt = attempt,
            attempts = attempt,
            elapsed_ms = millis(elapsed),
            error = error.map(display),
            "retries exhausted for {function} after {attempt} attempts ({elapsed:?} since the first failed){}",
            Cause(error)
        ),
        Event::NotRetryable { function, attempt, max, error } => event!(
            parent,
            debug,
            function = %function,
            resilience.policy = "retry",
            resilience.attempt = attempt,
            error = error.map(display),
            "attempt {attempt} of {max} for {function} failed with an error retry_if does not retry{}",
            Cause(error)
        ),
        Event::RetryBudgetExhausted { function, budget, attempt, error } => event!(
            parent,
            debug,
            function = %function,
            resilience.policy = "retry_budget",
            resilience.name = budget,
            resilience.attempt = attempt,
            error = error.map(display),
            "attempt {attempt} for {function} failed and is not retried: retry budget `{budget}` is exhausted{}",
            Cause(error)
        ),
        Event::RetryHintTooLong { function, attempt, retry_after, max_delay, error } => event!(
            parent,
            debug,
            function = %function,
            resilience.policy = "retry",
            resilience.attempt = attempt,
            retry_after_ms = millis(retry_after),
            error = error.map(display),
            "attempt {attempt} for {function} failed and is not retried: the error asks to wait {retry_after:?}, \
             longer than max_delay ({max_delay:?}){}",
            Cause(error)
        ),
        Event::RetryOutOfTime { function, attempt, error } => event!(
            parent,
            debug,
            function = %function,
            resilience.policy = "retry",
            resilience.attempt = attempt,
            error = error.map(display),
            "attempt {attempt} for {function} failed and is not retried: the next sleep would end past the \
             wall-clock budget{}",
            Cause(error)
        ),
        Event::RetryPastDeadline { function, attempt, delay, deadline, error } => {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            event!(
                parent,
                debug,
                function = %function,
                resilience.policy = "retry",
                resilience.attempt = attempt,
                delay_ms = millis(delay),
                deadline_in_ms = millis(left),
                error = error.map(display),
                "attempt {attempt} for {function} failed and is not retried: the next sleep ({delay:?}) would \
                 end past the deadline, {left:?} away{}",
                Cause(error)
            )
        }
        Event::Rejected { function, policy, name, rejection } => {
            let how = match rejection {
                Rejection::TimedOut { .. } => " ",
                _ => " refused: ",
            };
            event!(
                parent,
                debug,
                function = %function,
                resilience.policy = policy,
                resilience.name = name,
                error = %rejection,
                "call to {function}{how}{rejection}"
            )
        }
        Event::StateChange { name, key, from, to } => {
            if event.level() == tracing::Level::WARN {
                event!(
                    parent,
                    warn,
                    %from,
                    %to,
                    resilience.policy = "circuit_breaker",
                    resilience.name = name,
                    resilience.key = key,
                    "circuit breaker `{name}`: {from} -> {to}"
                )
            } else {
                event!(
                    parent,
                    info,
                    %from,
                    %to,
                    resilience.policy = "circuit_breaker",
                    resilience.name = name,
                    resilience.key = key,
                    "circuit breaker `{name}`: {from} -> {to}"
                )
            }
        }
        Event::HedgeFired { function, name, attempt }
        | Event::HedgeWon { function, name, attempt }
        | Event::HedgeDenied { function, name, attempt } => {
            let what = match event {
                Event::HedgeFired { .. } => "started",
                Event::HedgeWon { .. } => "won",
                _ => "denied by the hedge budget",
            };
            event!(
                parent,
                debug,
                function = %function,
                resilience.policy = "hedge",
                resilience.name = name,
                resilience.attempt = attempt,
                "hedge: attempt {attempt} of {function} {what}"
            )
        }
        Event::BulkheadWait { function, name, waited } => event!(
            parent,
            debug,
            function = %function,
            resilience.policy = "bulkhead",
            resilience.name = name,
            waited_ms = millis(waited),
            "call to {function} waited {waited:?} for bulkhead `{name}`"
        ),
        Event::RateLimitWait { function, name, waited } => event!(
            parent,
            debug,
            function = %function,
            resilience.policy = "rate_limit",
            resilience.name = name,
            waited_ms = millis(waited),
            "call to {function} waits {waited:?} for rate limiter `{name}`"
        ),
        Event::ChaosInjected { function, name, fault, latency } => event!(
            parent,
            debug,
            function = %function,
            resilience.policy = "chaos",
            resilience.name = name,
            fault,
            latency_ms = latency.map(millis),
            "chaos: injected {fault}{} into {function}",
            Latency(latency)
        ),
    }
}

/// The span of one guarded call.
#[inline]
pub(crate) fn call_span(function: Function) -> tracing::Span {
    tracing::debug_span!(target: "resile", "resile", function = %function)
}

/// Writes an error for telemetry: `Some` when its type implements `Display`, which is how
/// telemetry shows errors (never by `Debug`, which may print a backtrace). The expansion
/// finds out by autoref specialisation (see `__private::Describe`) and picks the fullest:
///
/// - a `std::error::Error`: its `Display`, then each `source()` after `": "`, so the root
///   cause is in the log (`loading order 5: connection refused`), as `anyhow` prints
///   `{:#}`;
/// - another `Display` type: its alternate form, `{:#}` (an `anyhow::Error` prints its
///   whole chain of contexts that way; most types print the same as `{}`);
/// - no `Display`: `None`, and the event has no `error` field.
pub type Describer<E> = Option<fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result>;

/// An error as its [`Describer`] writes it: what the events of a call carry.
pub(crate) struct Shown<'a, E> {
    error: &'a E,
    write: fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result,
}

impl<'a, E> Shown<'a, E> {
    /// `error` written by `describe`, if it can be.
    #[inline]
    pub(crate) fn of(error: &'a E, describe: Describer<E>) -> Option<Self> {
        describe.map(|write| Shown { error, write })
    }
}

impl<E> Display for Shown<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.write)(self.error, f)
    }
}

/// Writes `error` and its chain of sources, separated by `": "`.
pub fn write_chain(error: &dyn std::error::Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{error}")?;
    let mut source = error.source();
    while let Some(cause) = source {
        write!(f, ": {cause}")?;
        source = cause.source();
    }
    Ok(())
}
