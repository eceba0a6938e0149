//! [`record`] and [`Recorder`]: the telemetry events of a future, as owned values.

use std::fmt::{self, Display};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Event, Function};
use crate::sync::{counted, std_lock as lock};

tokio::task_local! {
    /// The recorder of the current task.
    static RECORDER: Recorder;
}

/// How many recorders are live, process-wide: while it is zero, the telemetry funnel pays
/// one `Relaxed` load for `resile::testing` (see `counted` for the orderings).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Runs `fut` and returns its output with the telemetry events it caused, in
/// order: the events of its task only, so tests that run in parallel do not see each
/// other's. State changes of a breaker are the task's when one of its calls (or an
/// operator call such as `force_open`) caused them.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::{circuit_breaker, testing};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let ((), events) = testing::record(testing::isolated(async {
///     circuit_breaker("db").force_open();
/// }))
/// .await;
/// let events: Vec<String> = events.iter().map(ToString::to_string).collect();
/// assert_eq!(events, ["state_change name=db: closed -> forced_open"]);
/// # }
/// ```
///
/// While a recorder is live, every event site of the process builds its event (the
/// funnel's "is anybody listening" says yes), as it does with a subscriber installed.
/// Like [`isolated`](crate::testing::isolated), it does not follow `tokio::spawn`: record a spawned
/// future with a [`Recorder`] of its own, or a clone of the test's.
pub async fn record<F: Future>(fut: F) -> (F::Output, Vec<Recorded>) {
    let recorder = Recorder::new();
    let output = recorder.record(fut).await;
    (output, recorder.take())
}

/// Collects the events of the futures it records ([`Recorder::record`]), in the order they
/// happen; clones share the events (record a spawned future with a clone).
#[derive(Clone, Default)]
pub struct Recorder {
    events: Arc<Mutex<Vec<Recorded>>>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder").field("events", &lock(&self.events).len()).finish()
    }
}

impl Recorder {
    /// A recorder with no events.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `fut`, adding the events it causes to this recorder's.
    pub fn record<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> + use<F> {
        RECORDER.scope(self.clone(), counted(&LIVE, fut))
    }

    /// The events so far.
    pub fn events(&self) -> Vec<Recorded> {
        lock(&self.events).clone()
    }

    /// The events so far, leaving none.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *lock(&self.events))
    }
}

/// An owned copy of a telemetry [`Event`], for assertions: its kind and the fields that
/// apply to it. Its `Display` is one line, `kind key=value ...: detail`
/// (`retry function=app::load attempt=1 delay=50ms: Down`), convenient to compare a whole
/// sequence at once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recorded {
    /// The event's kind in snake_case: `retry`, `retries_exhausted`, `not_retryable`,
    /// `retry_budget_exhausted`, `retry_out_of_time`, `retry_hint_too_long`, `retry_past_deadline`, `rejected`, `state_change`, `hedge_fired`, `hedge_won`,
    /// `hedge_denied`, `bulkhead_wait`, `rate_limit_wait`.
    pub kind: &'static str,
    /// The guarded function, for the events of a call (its `Display`: `Orders::get` for a
    /// method, `module::path::fn` otherwise).
    pub function: Option<Function>,
    /// The named instance: a breaker, a hedge tracker, a retry budget, a bulkhead, a rate limiter.
    pub name: Option<&'static str>,
    /// The attempt, where the event has one.
    pub attempt: Option<u32>,
    /// The delay before the next attempt (`retry`; for `retry_past_deadline`, the sleep not
    /// made), the wait the error asked for (`retry_hint_too_long`), the time a call waited to
    /// be admitted
    /// (`bulkhead_wait`), the time a call waits for its tokens (`rate_limit_wait`).
    pub delay: Option<Duration>,
    /// The rest, as text: the error of a `retry`, the rejection of a `rejected`
    /// (its `Display`), `from -> to` of a `state_change`.
    pub detail: Option<String>,
}

impl Recorded {
    /// A record of `kind` with no fields.
    fn kind(kind: &'static str) -> Self {
        Recorded { kind, function: None, name: None, attempt: None, delay: None, detail: None }
    }

    /// The one place an [`Event`] becomes a `Recorded`: a new event kind or field is
    /// added here.
    fn of(event: &Event<'_>) -> Self {
        match *event {
            Event::Retry { function, attempt, delay, error, .. } => Recorded {
                function: Some(function),
                attempt: Some(attempt),
                delay: Some(delay),
                detail: text(error),
                ..Recorded::kind("retry")
            },
            Event::RetryHintTooLong { function, attempt, retry_after, error, .. } => Recorded {
                function: Some(function),
                attempt: Some(attempt),
                delay: Some(retry_after),
                detail: text(error),
                ..Recorded::kind("retry_hint_too_long")
            },
            Event::RetriesExhausted { function, attempt, error, .. } => Recorded {
                function: Some(function),
                attempt: Some(attempt),
                detail: text(error),
                ..Recorded::kind("retries_exhausted")
            },
            Event::NotRetryable { function, attempt, error, .. } => Recorded {
                function: Some(function),
                attempt: Some(attempt),
                detail: text(error),
                ..Recorded::kind("not_retryable")
            },
            Event::RetryBudgetExhausted { function, budget, attempt, error } => Recorded {
                function: Some(function),
                name: Some(budget),
                attempt: Some(attempt),
                detail: text(error),
                ..Recorded::kind("retry_budget_exhausted")
            },
            Event::RetryOutOfTime { function, attempt, error } => Recorded {
                function: Some(function),
                attempt: Some(attempt),
                detail: text(error),
                ..Recorded::kind("retry_out_of_time")
            },
            Event::RetryPastDeadline { function, attempt, delay, error, .. } => Recorded {
                function: Some(function),
                attempt: Some(attempt),
                delay: Some(delay),
                detail: text(error),
                ..Recorded::kind("retry_past_deadline")
            },
            Event::Rejected { function, name, rejection, .. } => Recorded {
                function: Some(function),
                name,
                detail: Some(rejection.to_string()),
                ..Recorded::kind("rejected")
            },
            Event::StateChange { name, from, to, .. } => {
                Recorded { name: Some(name), detail: Some(format!("{from} -> {to}")), ..Recorded::kind("state_change") }
            }
            Event::HedgeFired { function, name, attempt } => Recorded {
                function: Some(function),
                name: Some(name),
                attempt: Some(attempt),
                ..Recorded::kind("hedge_fired")
            },
            Event::HedgeWon { function, name, attempt } => Recorded {
                function: Some(function),
                name: Some(name),
                attempt: Some(attempt),
                ..Recorded::kind("hedge_won")
            },
            Event::HedgeDenied { function, name, attempt } => Recorded {
                function: Some(function),
                name: Some(name),
                attempt: Some(attempt),
                ..Recorded::kind("hedge_denied")
            },
            Event::BulkheadWait { function, name, waited } => Recorded {
                function: Some(function),
                name: Some(name),
                delay: Some(waited),
                ..Recorded::kind("bulkhead_wait")
            },
            Event::RateLimitWait { function, name, waited } => Recorded {
                function: Some(function),
                name: Some(name),
                delay: Some(waited),
                ..Recorded::kind("rate_limit_wait")
            },
            Event::ChaosInjected { function, name, fault, latency } => Recorded {
                function: Some(function),
                name,
                delay: latency,
                detail: Some(fault.to_owned()),
                ..Recorded::kind("chaos_injected")
            },
        }
    }
}

impl Display for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind)?;
        if let Some(function) = self.function {
            write!(f, " function={function}")?;
        }
        if let Some(name) = self.name {
            write!(f, " name={name}")?;
        }
        if let Some(attempt) = self.attempt {
            write!(f, " attempt={attempt}")?;
        }
        if let Some(delay) = self.delay {
            write!(f, " delay={delay:?}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

/// An event's error as text: its `Display`, as the event carries it.
fn text(error: Option<&dyn Display>) -> Option<String> {
    error.map(ToString::to_string)
}

/// Whether a recorder is live anywhere: one `Relaxed` load.
#[inline(always)]
pub(crate) fn live() -> bool {
    LIVE.load(Ordering::Relaxed) != 0
}

/// Adds `event` to the current task's recorder, if it has one.
#[cold]
#[inline(never)]
pub(crate) fn push(event: &Event<'_>) {
    let _ = RECORDER.try_with(|recorder| lock(&recorder.events).push(Recorded::of(event)));
}
