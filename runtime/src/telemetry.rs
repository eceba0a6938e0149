//! Telemetry: `tracing` spans and events (target `resile`) and the [`Observer`] hook.
//!
//! Every guarded call runs inside one `resile` span (level `DEBUG`, field `function`).
//! Policies emit events for retries, rejections, state changes and hedges, each naming its
//! policy. An [`Observer`] set with [`set_observer`] receives the same events as plain
//! values. With no observer set, emitting an event costs one atomic load and the success
//! path of a call costs nothing at all: events are only built when something happens.
//!
//! ```
//! use resile_runtime::telemetry::{set_observer, Event, Observer};
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

use std::fmt::Debug;
use std::sync::Arc;
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
    },
}

/// Receives every telemetry [`Event`]. Set one with [`set_observer`].
pub trait Observer: Send + Sync + 'static {
    /// Called synchronously where the event happens; keep it cheap.
    fn on_event(&self, event: &Event<'_>);
}

static OBSERVER: ArcSwapOption<Box<dyn Observer>> = ArcSwapOption::const_empty();

/// Installs `observer`, replacing any previous one.
pub fn set_observer(observer: impl Observer) {
    OBSERVER.store(Some(Arc::new(Box::new(observer))));
}

/// Removes the observer, if any.
pub fn clear_observer() {
    OBSERVER.store(None);
}

/// Passes `event` to the observer, if one is set.
#[inline]
pub(crate) fn emit(event: Event<'_>) {
    let guard = OBSERVER.load();
    if let Some(observer) = guard.as_ref() {
        observer.on_event(&event);
    }
}

/// The span of one guarded call.
#[inline]
pub(crate) fn call_span(function: &'static str) -> tracing::Span {
    tracing::debug_span!(target: "resile", "resile", function)
}

pub(crate) fn rejected(function: &'static str, rejection: &Rejection) {
    tracing::debug!(target: "resile", function, rejection = %rejection, "call rejected");
    emit(Event::Rejected { function, rejection });
}
