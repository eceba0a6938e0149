//! Telemetry: `tracing` spans and events (target `resile`) and the [`Observer`] hook.
//!
//! Every event goes through one funnel (this module's `emit`), which writes it to `tracing`
//! and passes it to the observer, so each event is described once and reaches every sink
//! the same way. Policies emit events for retries, rejections, state changes and hedges,
//! each naming its policy. The events of one guarded call are children of that call's
//! `resile` span ([`CallSpan`]), which the first of them creates.
//!
//! An [`Observer`] set with [`set_observer`] receives the same events as plain values.
//!
//! # Performance
//! Nothing on the success path: events are only built when something happens. An event
//! with no subscriber and no observer interested costs two atomic loads (tracing's max
//! level and the observer flag).
//!
//! ```
//! # use resile_runtime as resile;
//! use resile::telemetry::{set_observer, Event, Observer};
//!
//! struct CountRetries;
//! impl Observer for CountRetries {
//!     fn on_event(&self, event: &Event<'_>) {
//!         if let Event::Retry { function, attempt, .. } = event {
//!             println!("{function}: attempt {attempt} failed, retrying");
//!         }
//!     }
//! }
//! set_observer(CountRetries);
//! ```

mod span;

pub use span::CallSpan;

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use arc_swap::ArcSwapOption;

use crate::{Rejection, State};

/// A telemetry event, as passed to an [`Observer`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// An attempt failed and another one follows after `delay`.
    Retry {
        /// The guarded function (`module::path::fn_name`).
        function: &'static str,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// The sleep before the next attempt.
        delay: Duration,
        /// The error, when its type implements `Debug`.
        error: Option<&'a dyn Debug>,
    },
    /// A retry was not made because the named retry budget was exhausted.
    RetryBudgetExhausted {
        /// The guarded function.
        function: &'static str,
        /// The retry budget's name.
        budget: &'static str,
    },
    /// A retry was not made because its sleep would end past the wall-clock `budget`.
    RetryOutOfTime {
        /// The guarded function.
        function: &'static str,
        /// The attempt that failed last, from 1.
        attempt: u32,
    },
    /// A policy refused or cut a call.
    Rejected {
        /// The guarded function.
        function: &'static str,
        /// Why.
        rejection: &'a Rejection,
    },
    /// A circuit breaker changed state.
    StateChange {
        /// The breaker's name.
        name: &'static str,
        /// The state it left.
        from: State,
        /// The state it entered.
        to: State,
    },
    /// A hedged attempt was started.
    HedgeFired {
        /// The hedge tracker's name (the function's path when unnamed).
        name: &'static str,
        /// The attempt number started, from 2.
        attempt: u32,
    },
    /// A hedged attempt (not the first) produced the winning result.
    HedgeWon {
        /// The hedge tracker's name.
        name: &'static str,
        /// The attempt that won, from 2.
        attempt: u32,
    },
    /// A hedge was wanted but the hedge budget denied it.
    HedgeDenied {
        /// The hedge tracker's name.
        name: &'static str,
        /// The attempt number that was not started, from 2.
        attempt: u32,
    },
    /// A call waits for its rate limiter's tokens (it holds them while it waits).
    RateLimitWait {
        /// The rate limiter's name.
        name: &'static str,
        /// How long it waits.
        waited: Duration,
    },
}

/// Receives every telemetry [`Event`]. Set one with [`set_observer`].
pub trait Observer: Send + Sync + 'static {
    /// Called synchronously where the event happens; keep it cheap.
    fn on_event(&self, event: &Event<'_>);
}

static OBSERVER: ArcSwapOption<Box<dyn Observer>> = ArcSwapOption::const_empty();
/// Whether an observer is set: one `Relaxed` load tells an event whether to load it.
static OBSERVED: AtomicBool = AtomicBool::new(false);

/// Installs `observer`, replacing any previous one.
pub fn set_observer(observer: impl Observer) {
    OBSERVER.store(Some(Arc::new(Box::new(observer))));
    OBSERVED.store(true, Ordering::Release);
}

/// Removes the observer, if any.
pub fn clear_observer() {
    OBSERVED.store(false, Ordering::Release);
    OBSERVER.store(None);
}

/// Writes `event`, an event of `call` (the guarded call of `function`), to `tracing` as a
/// child of the call's span, then passes it to the observer. With no subscriber interested
/// in its level and no observer, two atomic loads and nothing else.
#[inline]
pub(crate) fn emit_in(call: &CallSpan, function: &'static str, event: Event<'_>) {
    if heard(event.level()) {
        emit_in_heard(call, function, &event);
    }
}

/// Reports `rejection`, a refusal of `call` (the guarded call of `function`), as
/// [`emit_in`] does, and returns it. The event is built only if something may hear it
/// (measured: building it first costs the refused path a few instructions), so a refused
/// call pays two loads for its telemetry when nothing listens.
#[inline]
pub(crate) fn rejected(call: &CallSpan, function: &'static str, rejection: Rejection) -> Rejection {
    if heard(tracing::Level::DEBUG) {
        emit_in_heard(call, function, &Event::Rejected { function, rejection: &rejection });
    }
    rejection
}

#[cold]
#[inline(never)]
fn emit_in_heard(call: &CallSpan, function: &'static str, event: &Event<'_>) {
    call.with_span(function, |span| trace(span, event));
    observe(event);
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
/// (tracing's global max level, one load) or an observer (one load).
#[inline]
fn heard(level: tracing::Level) -> bool {
    // Orderings: `Relaxed`; a sink installed concurrently may miss an event either way.
    level <= tracing::level_filters::LevelFilter::current() || OBSERVED.load(Ordering::Relaxed)
}

impl Event<'_> {
    /// The `tracing` level the event is written at.
    fn level(&self) -> tracing::Level {
        match self {
            Event::StateChange { to: State::Open | State::ForcedOpen, .. } => tracing::Level::WARN,
            Event::StateChange { .. } => tracing::Level::INFO,
            _ => tracing::Level::DEBUG,
        }
    }
}

fn observe(event: &Event<'_>) {
    // Orderings: `Relaxed` is enough: the flag only saves the load below when nothing is
    // set, and the `ArcSwap` load is itself synchronised.
    if OBSERVED.load(Ordering::Relaxed)
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

/// The one place each event kind meets `tracing`.
fn trace(parent: Option<&tracing::Span>, event: &Event<'_>) {
    match *event {
        Event::Retry { function, attempt, delay, error } => event!(
            parent,
            debug,
            function,
            attempt,
            delay_ms = delay.as_millis() as u64,
            error = error.map(tracing::field::debug),
            "retrying"
        ),
        Event::RetryBudgetExhausted { function, budget } => {
            event!(parent, debug, function, budget, "retry denied by retry budget")
        }
        Event::RetryOutOfTime { function, attempt } => {
            event!(parent, debug, function, attempt, "retry stopped: wall-clock budget would be exceeded")
        }
        Event::Rejected { function, rejection } => {
            event!(parent, debug, function, rejection = %rejection, "call rejected")
        }
        Event::StateChange { name, from, to } => {
            if event.level() == tracing::Level::WARN {
                event!(parent, warn, breaker = name, %from, %to, "circuit breaker `{name}`: {from} -> {to}")
            } else {
                event!(parent, info, breaker = name, %from, %to, "circuit breaker `{name}`: {from} -> {to}")
            }
        }
        Event::HedgeFired { name, attempt } => event!(parent, debug, name, attempt, "hedge fired"),
        Event::HedgeWon { name, attempt } => event!(parent, debug, name, attempt, "hedge won"),
        Event::HedgeDenied { name, attempt } => {
            event!(parent, debug, name, attempt, "hedge denied by the hedge budget")
        }
        Event::RateLimitWait { name, waited } => {
            event!(parent, debug, name, waited_ns = waited.as_nanos() as u64, "waiting for rate limiter tokens")
        }
    }
}

/// The span of one guarded call.
#[inline]
pub(crate) fn call_span(function: &'static str) -> tracing::Span {
    tracing::debug_span!(target: "resile", "resile", function)
}

/// Describes an error for telemetry: `Some` when its type implements `Debug`. The
/// expansion finds out by autoref specialisation (see `__private::Describe`).
pub type Describer<E> = Option<fn(&E) -> &dyn Debug>;
