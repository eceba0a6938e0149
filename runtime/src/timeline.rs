//! [`capture`]: what the guarded calls inside one future did, attempt by attempt, on
//! tokio's clock.
//!
//! ```
//! # use resile_runtime as resile;
//! use std::time::Duration;
//! use resile::retry::{Jitter, Retry, RetryConfig};
//! use resile::timeline::{self, AttemptOutcome};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let retry: Retry<&str> = Retry::new(RetryConfig::new().max(3).base_delay(Duration::from_millis(50)).jitter(Jitter::None));
//! let mut calls = 0;
//! let (result, timeline) = timeline::capture(retry.call(|| {
//!     calls += 1;
//!     let n = calls;
//!     async move {
//!         tokio::time::sleep(Duration::from_millis(10)).await;
//!         if n < 3 { Err("busy") } else { Ok(n) }
//!     }
//! }))
//! .await;
//! assert_eq!(result, Ok(3));
//! let attempts: Vec<_> = timeline.attempts().map(|(at, a)| (at.as_millis(), a.took.as_millis(), a.outcome)).collect();
//! assert_eq!(attempts, [
//!     (0, 10, AttemptOutcome::Failure),   // attempt 1, then a 50 ms backoff
//!     (60, 10, AttemptOutcome::Failure),  // attempt 2, then 100 ms
//!     (170, 10, AttemptOutcome::Success),
//! ]);
//! println!("{timeline}");
//! # }
//! ```
//!
//! `println!("{timeline}")` prints a table, one row per entry in the order they started:
//!
//! ```text
//! timeline: 5 entries
//!        at      took  call  function       what
//!       0ns      10ms     1  resile::Retry  attempt 1: failure
//!      10ms      50ms     1  resile::Retry  retry after attempt 1: sleep 50ms
//!      60ms      10ms     1  resile::Retry  attempt 2: failure
//!      70ms     100ms     1  resile::Retry  retry after attempt 2: sleep 100ms
//!     170ms      10ms     1  resile::Retry  attempt 3: success
//! ```
//!
//! # What is recorded
//!
//! For the guarded calls awaited inside the captured future, in its task:
//!
//! - every **attempt** ([`What::Attempt`]): its start (as an offset from the capture's start),
//!   how long it took, and how it ended: [`AttemptOutcome::Success`], `Failure`, `Rejected`
//!   (a policy inside the attempt refused or cut it: an open breaker, a full bulkhead, an
//!   empty rate limiter, a timeout) or `Cancelled` (dropped: a hedge that lost, the
//!   attempts a hedge's `timeout` cut, a caller that went away). A call guarded by
//!   `#[retry]` or `#[hedge]`, or by two or more attributes, records its attempts; a call
//!   with one admission policy or a lone `#[timeout]` keeps no per-call state (that is what
//!   makes it cheap), and records only its rejection or its wait;
//! - every **retry** with its backoff delay ([`What::Retry`]) and why a retry loop stopped
//!   ([`What::GaveUp`]);
//! - every **hedge** fired, won or denied by the budget ([`What::Hedge`]);
//! - every **rejection**, with the policy, its instance name and the [`Rejection`]
//!   (`retry_after` included) ([`What::Rejected`]);
//! - every **wait** for a bulkhead permit or rate limiter tokens ([`What::Waited`]).
//!
//! Entries beyond the capture's limit (32 by default, [`capture_with`] for another) are not
//! kept, and counted in [`Timeline::dropped`].
//!
//! Times are read from tokio's clock: on a paused clock (`start_paused`) every offset and
//! duration is exact. Like `tokio::task_local!`, a capture follows the futures polled by its
//! task, not `tokio::spawn`: capture a spawned future inside the task it runs in. Captures
//! nest: a guarded call is recorded by the innermost capture around it when it starts.
//!
//! # Performance
//!
//! With no capture running anywhere in the process, a guarded call that keeps per-call state
//! pays one `Relaxed` load of its function's [`TimelineSite`] (a `static` next to its call
//! sites), a test and a branch when it starts, and at its end the test its span slot's drop
//! makes anyway: measured with `benches/probe.sh`, +3 instructions on `#[retry]`'s success
//! path, +6 on a hedge or a stack of attributes, nothing on a lone timeout or admission (see
//! `benches/README.md`). The telemetry funnel's "is anybody listening" loads the count of
//! live captures too, on a rejection. No allocation.
//!
//! While a capture runs, every guarded call of the process looks for a capture in its own
//! task (a task-local lookup, no allocation); a call inside a capture allocates its record
//! and takes the capture's lock at each attempt boundary and event: a tool for tests and for
//! looking at one call, not for every request of a busy service.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use crate::Rejection;
use crate::telemetry::event::Event;
use crate::telemetry::function::Function;

/// The number of entries a [`capture`] keeps.
pub const DEFAULT_LIMIT: usize = 32;

/// How many captures are live, process-wide. Written under [`SITES`]' lock.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Every [`TimelineSite`] a call has gone through: a capture's start tells them all to look.
static SITES: Mutex<Vec<&'static TimelineSite>> = Mutex::new(Vec::new());

tokio::task_local! {
    /// The innermost capture of the current task.
    static CAPTURE: Arc<Shared>;
}

/// Whether a capture is live anywhere in the process: one `Relaxed` load.
#[inline(always)]
pub(crate) fn active() -> bool {
    LIVE.load(Ordering::Relaxed) != 0
}

const IDLE: u8 = 0;
const LOOK: u8 = 1;
const UNSEEN: u8 = 2;

/// A guarded function's switch for the timeline, kept in a `static` next to its call
/// sites: while it says "idle", a call pays one load of it (a `static` of the caller's own
/// crate, read without going through the GOT) and a branch.
///
/// It starts "unseen": the first call enrolls it in the process's list, and from then on
/// every [`capture`] that starts sets it to "look" (its calls then look for a capture in
/// their task) and the last one that ends sets it back to "idle".
#[derive(Debug)]
pub struct TimelineSite {
    state: AtomicU8,
}

impl TimelineSite {
    /// A switch not yet enrolled.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        TimelineSite { state: AtomicU8::new(UNSEEN) }
    }

    /// Whether a call must look for a capture (or enroll the site): one `Relaxed` load.
    #[inline(always)]
    pub(crate) fn look(&self) -> bool {
        // Orderings: `Relaxed`. A capture sets the state before it polls its future, so a
        // call in its task (polled later on the same thread, or on another after tokio's
        // synchronisation) sees "look". A call elsewhere may see a stale state; it then
        // looks and finds no capture in its task, or does not look, and is right either way.
        self.state.load(Ordering::Relaxed) != IDLE
    }

    /// Enrolls the site on its first call.
    #[cold]
    #[inline(never)]
    pub(crate) fn enroll(&'static self) {
        if self.state.load(Ordering::Relaxed) != UNSEEN {
            return;
        }
        let mut sites = lock_sites();
        if self.state.load(Ordering::Relaxed) == UNSEEN {
            sites.push(self);
            self.state.store(if active() { LOOK } else { IDLE }, Ordering::Relaxed);
        }
    }
}

fn lock_sites() -> MutexGuard<'static, Vec<&'static TimelineSite>> {
    SITES.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `fut` and returns its output with the [`Timeline`] of the guarded calls it awaited,
/// keeping the first [`DEFAULT_LIMIT`] (32) entries. See the [module docs](self).
pub async fn capture<F: Future>(fut: F) -> (F::Output, Timeline) {
    capture_with(DEFAULT_LIMIT, fut).await
}

/// [`capture`], keeping the first `limit` entries (the rest are counted in
/// [`Timeline::dropped`]). The entries are allocated as they come, not up front.
pub async fn capture_with<F: Future>(limit: usize, fut: F) -> (F::Output, Timeline) {
    let shared = Arc::new(Shared { buf: Mutex::new(Buf::new(limit, Instant::now())) });
    let output = CAPTURE.scope(shared.clone(), counted(fut)).await;
    let timeline = lock(&shared).snapshot();
    (output, timeline)
}

/// Runs `fut` with [`LIVE`] counted up and every enrolled site looking while it exists.
async fn counted<F: Future>(fut: F) -> F::Output {
    struct Live;
    impl Drop for Live {
        fn drop(&mut self) {
            let sites = lock_sites();
            crate::telemetry::listeners::capturing(false);
            if LIVE.fetch_sub(1, Ordering::Relaxed) == 1 {
                for site in sites.iter() {
                    site.state.store(IDLE, Ordering::Relaxed);
                }
            }
        }
    }
    // Orderings: `Relaxed`, under the sites' lock. A task in a capture reads the states
    // after they were raised, in the same poll or in a later one that tokio synchronises
    // with the earlier: it always sees its own capture.
    {
        let sites = lock_sites();
        LIVE.fetch_add(1, Ordering::Relaxed);
        crate::telemetry::listeners::capturing(true);
        for site in sites.iter() {
            site.state.store(LOOK, Ordering::Relaxed);
        }
    }
    let _live = Live;
    fut.await
}

/// What the guarded calls inside one [`capture`] did, in the order things started.
///
/// `Display` prints it as a table (see the [module docs](self)); [`entries`](Self::entries)
/// and [`attempts`](Self::attempts) give the values.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    entries: Vec<Entry>,
    dropped: u64,
    limit: usize,
    took: Duration,
}

impl Timeline {
    /// The entries kept, ordered by [`Entry::at`] (entries that started at the same instant
    /// in the order they happened).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The attempts, with their start offsets: the entries that are [`What::Attempt`].
    pub fn attempts(&self) -> impl Iterator<Item = (Duration, &Attempt)> + '_ {
        self.entries.iter().filter_map(|e| match &e.what {
            What::Attempt(a) => Some((e.at, a)),
            _ => None,
        })
    }

    /// How many entries were not kept: past the limit.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The number of entries a capture keeps.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// How long the captured future ran, on tokio's clock.
    pub fn took(&self) -> Duration {
        self.took
    }

    /// The number of entries kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.dropped == 0
    }
}

/// One thing that happened in a [`Timeline`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Entry {
    /// When it started, from the start of the capture (tokio's clock).
    pub at: Duration,
    /// Which guarded call it belongs to: 1 for the first call the capture saw, and so on.
    pub call: u32,
    /// The guarded function (`Orders::get` for a method).
    pub function: Function,
    /// What happened.
    pub what: What,
}

/// What an [`Entry`] records.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum What {
    /// An attempt: one run of the guarded body.
    Attempt(Attempt),
    /// An attempt failed and the retry loop sleeps `delay` before the next one.
    Retry {
        /// The attempt that failed, from 1.
        attempt: u32,
        /// The backoff sleep.
        delay: Duration,
    },
    /// The retry loop stopped after `attempt` failed.
    GaveUp {
        /// The last attempt, from 1.
        attempt: u32,
        /// Why.
        why: GaveUp,
    },
    /// A hedge: an extra attempt started, won, or denied by the hedge budget.
    Hedge {
        /// The hedged attempt, from 2.
        attempt: u32,
        /// What happened to it.
        action: HedgeAction,
        /// The hedge tracker's name.
        name: &'static str,
    },
    /// A policy refused or cut the call.
    Rejected {
        /// The policy: `circuit_breaker`, `bulkhead`, `rate_limit`, `timeout`, `hedge`.
        policy: &'static str,
        /// The policy's instance, where it has one.
        name: Option<&'static str>,
        /// Why ([`Rejection::retry_after`] tells when to come back).
        rejection: Rejection,
    },
    /// The call waited for a bulkhead permit or rate limiter tokens, then ran.
    Waited {
        /// `bulkhead` or `rate_limit`.
        policy: &'static str,
        /// The instance.
        name: &'static str,
        /// How long.
        waited: Duration,
    },
}

/// One attempt of a guarded call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The attempt's number, from 1, as the policy that started it counts (the retry's, or
    /// the hedge's: see [`crate::hedge`]).
    pub attempt: u32,
    /// How long it ran (until the capture ended, for one still [`Running`](AttemptOutcome::Running)).
    pub took: Duration,
    /// How it ended.
    pub outcome: AttemptOutcome,
}

/// How an [`Attempt`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// It returned `Ok`.
    Success,
    /// It returned an `Err` of the body.
    Failure,
    /// A policy inside it refused or cut it (its [`What::Rejected`] entry says which).
    Rejected,
    /// It was dropped before it ended: a hedged attempt that lost, attempts cut by a hedge's
    /// `timeout`, or a caller that stopped awaiting the call.
    Cancelled,
    /// It had not ended when the capture did (its future outlived the capture).
    Running,
}

/// Why a retry loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GaveUp {
    /// Every attempt of `max` failed.
    Exhausted,
    /// `retry_if` does not retry the error.
    NotRetryable,
    /// The next sleep would end past the wall-clock `budget`.
    OutOfTime,
    /// The named retry budget denied the retry.
    RetryBudget(&'static str),
    /// The error asked for a wait (`retry_after`) longer than `max_delay`.
    HintTooLong(Duration),
    /// The next sleep would end at or past the deadline of an enclosing timeout
    /// ([`deadline()`](crate::deadline())).
    PastDeadline,
}

/// What happened to a hedged attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HedgeAction {
    /// It was started.
    Fired,
    /// Its result won.
    Won,
    /// The hedge budget did not let it start.
    Denied,
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AttemptOutcome::Success => "success",
            AttemptOutcome::Failure => "failure",
            AttemptOutcome::Rejected => "rejected",
            AttemptOutcome::Cancelled => "cancelled",
            AttemptOutcome::Running => "running",
        })
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            What::Attempt(a) => write!(f, "attempt {}: {}", a.attempt, a.outcome),
            What::Retry { attempt, delay } => write!(f, "retry after attempt {attempt}: sleep {delay:?}"),
            What::GaveUp { attempt, why } => {
                let why = match why {
                    GaveUp::Exhausted => "retries exhausted".to_owned(),
                    GaveUp::NotRetryable => "not retryable (retry_if)".to_owned(),
                    GaveUp::OutOfTime => "the next sleep would pass the budget".to_owned(),
                    GaveUp::RetryBudget(name) => format!("retry budget `{name}` exhausted"),
                    GaveUp::HintTooLong(wait) => format!("the error asks to wait {wait:?}, longer than max_delay"),
                    GaveUp::PastDeadline => "the next sleep would end past the deadline".to_owned(),
                };
                write!(f, "gave up after attempt {attempt}: {why}")
            }
            What::Hedge { attempt, action, name } => {
                let action = match action {
                    HedgeAction::Fired => "fired",
                    HedgeAction::Won => "won",
                    HedgeAction::Denied => "denied by the budget",
                };
                write!(f, "hedge `{name}`: attempt {attempt} {action}")
            }
            What::Rejected { policy, name, rejection } => {
                write!(f, "rejected by {policy}")?;
                if let Some(name) = name {
                    write!(f, " `{name}`")?;
                }
                write!(f, ": {rejection}")?;
                if let Some(after) = rejection.retry_after() {
                    write!(f, " (retry after {after:?})")?;
                }
                Ok(())
            }
            What::Waited { policy, name, waited } => write!(f, "waited {waited:?} for {policy} `{name}`"),
        }
    }
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timeline: {} entries", self.entries.len())?;
        if self.dropped > 0 {
            write!(f, " ({} more dropped past the limit of {})", self.dropped, self.limit)?;
        }
        let width = self.entries.iter().map(|e| e.function.to_string().len()).max().unwrap_or(0).max(8);
        write!(f, "\n{:>9} {:>9}  call  {:<width$}  what", "at", "took", "function")?;
        for e in &self.entries {
            let took = match e.what {
                What::Attempt(a) => format!("{:?}", a.took),
                What::Retry { delay, .. } => format!("{delay:?}"),
                What::Waited { waited, .. } => format!("{waited:?}"),
                _ => String::new(),
            };
            let function = e.function.to_string();
            write!(f, "\n{:>9} {:>9} {:>5}  {function:<width$}  {}", format!("{:?}", e.at), took, e.call, e.what)?;
        }
        Ok(())
    }
}

// ---- recording

/// The state of one capture, shared by the calls that record into it.
#[derive(Debug)]
pub(crate) struct Shared {
    buf: Mutex<Buf>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, Buf> {
    shared.buf.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug)]
struct Buf {
    origin: Instant,
    limit: usize,
    entries: Vec<Entry>,
    dropped: u64,
    /// The calls registered and not yet ended, by id: a capture holds the state of the calls
    /// running in it, not of every call it saw.
    calls: HashMap<u32, CallState>,
    /// The number of calls seen, registered or not.
    seen: u32,
}

#[derive(Debug)]
struct CallState {
    function: Function,
    open: Vec<Open>,
    /// An attempt of the call succeeded (a hedge that won): the others are cancelled.
    succeeded: bool,
}

/// An attempt still running.
#[derive(Debug)]
struct Open {
    attempt: u32,
    start: Instant,
    /// Its entry, if it was kept.
    entry: Option<usize>,
    /// A policy inside it refused or cut it.
    rejected: bool,
}

impl Buf {
    fn new(limit: usize, origin: Instant) -> Self {
        Buf { origin, limit, entries: Vec::new(), dropped: 0, calls: HashMap::new(), seen: 0 }
    }

    fn offset(&self, at: Instant) -> Duration {
        at.saturating_duration_since(self.origin)
    }

    fn push(&mut self, at: Instant, call: u32, function: Function, what: What) -> Option<usize> {
        if self.entries.len() >= self.limit {
            self.dropped += 1;
            return None;
        }
        self.entries.push(Entry { at: self.offset(at), call, function, what });
        Some(self.entries.len() - 1)
    }

    fn open(&mut self, id: u32, attempt: u32, now: Instant) {
        let Some(function) = self.calls.get(&id).map(|call| call.function) else { return };
        let what = What::Attempt(Attempt { attempt, took: Duration::ZERO, outcome: AttemptOutcome::Running });
        let entry = self.push(now, id, function, what);
        if let Some(call) = self.calls.get_mut(&id) {
            call.open.push(Open { attempt, start: now, entry, rejected: false });
        }
    }

    /// Ends the open attempt at `index` of call `id`.
    fn close(&mut self, id: u32, index: usize, now: Instant, outcome: AttemptOutcome) {
        let Some(open) =
            self.calls.get_mut(&id).filter(|call| index < call.open.len()).map(|call| call.open.remove(index))
        else {
            return;
        };
        let outcome = match outcome {
            AttemptOutcome::Failure if open.rejected => AttemptOutcome::Rejected,
            other => other,
        };
        if let Some(entry) = open.entry
            && let What::Attempt(a) = &mut self.entries[entry].what
        {
            a.took = now.saturating_duration_since(open.start);
            a.outcome = outcome;
        }
    }

    fn close_all(&mut self, id: u32, now: Instant, outcome: AttemptOutcome) {
        while self.calls.get(&id).is_some_and(|call| !call.open.is_empty()) {
            self.close(id, 0, now, outcome);
        }
    }

    fn snapshot(&self) -> Timeline {
        let now = Instant::now();
        let mut entries = self.entries.clone();
        for call in self.calls.values() {
            for open in &call.open {
                if let Some(entry) = open.entry
                    && let What::Attempt(a) = &mut entries[entry].what
                {
                    a.took = now.saturating_duration_since(open.start);
                }
            }
        }
        // Stable: entries of one instant keep the order they happened in.
        entries.sort_by_key(|e| e.at);
        Timeline { entries, dropped: self.dropped, limit: self.limit, took: self.offset(now) }
    }
}

/// A guarded call's registration with the capture around it when it started: kept by its
/// [`CallSpan`](crate::telemetry::CallSpan).
#[derive(Debug, Clone)]
pub(crate) struct CallRef {
    shared: Arc<Shared>,
    id: u32,
}

/// Registers a call of `function` starting now with the current task's capture, its first
/// attempt started; `None` outside a capture.
#[cold]
#[inline(never)]
pub(crate) fn register(function: Function) -> Option<CallRef> {
    let shared = CAPTURE.try_with(Arc::clone).ok()?;
    let now = Instant::now();
    let id = {
        let mut buf = lock(&shared);
        buf.seen += 1;
        let id = buf.seen;
        buf.calls.insert(id, CallState { function, open: Vec::new(), succeeded: false });
        buf.open(id, 1, now);
        id
    };
    Some(CallRef { shared, id })
}

impl CallRef {
    fn with<R>(&self, f: impl FnOnce(&mut Buf, u32, Instant) -> R) -> R {
        f(&mut lock(&self.shared), self.id, Instant::now())
    }

    /// The call's latest attempt failed (the retry loop has its error).
    pub(crate) fn failed(&self) {
        self.with(|buf, id, now| {
            if let Some(last) = buf.calls.get(&id).and_then(|call| call.open.len().checked_sub(1)) {
                buf.close(id, last, now, AttemptOutcome::Failure);
            }
        });
    }

    /// Attempt `attempt` of the call started now.
    pub(crate) fn started(&self, attempt: u32) {
        self.with(|buf, id, now| buf.open(id, attempt, now));
    }

    /// Hedged attempt `attempt` ended with an error; `fatal`: the call ends with it, and the
    /// other attempts are dropped.
    pub(crate) fn hedge_failed(&self, attempt: u32, fatal: bool) {
        self.with(|buf, id, now| {
            if let Some(i) = buf.calls.get(&id).and_then(|call| call.open.iter().position(|o| o.attempt == attempt)) {
                buf.close(id, i, now, AttemptOutcome::Failure);
            }
            if fatal {
                buf.close_all(id, now, AttemptOutcome::Cancelled);
            }
        });
    }

    /// The call ended: `Some(ok)` when it returned, `None` when it was dropped.
    pub(crate) fn end(&self, ok: Option<bool>) {
        self.with(|buf, id, now| {
            let Some(call) = buf.calls.get(&id) else { return };
            match ok {
                Some(ok) if !call.succeeded && !call.open.is_empty() => {
                    let outcome = if ok { AttemptOutcome::Success } else { AttemptOutcome::Failure };
                    buf.close(id, 0, now, outcome);
                    buf.close_all(id, now, AttemptOutcome::Cancelled);
                }
                _ => buf.close_all(id, now, AttemptOutcome::Cancelled),
            }
            // Its entries stay; its state is no longer needed.
            buf.calls.remove(&id);
        });
    }

    /// Records `event` of this call.
    fn event(&self, event: &Event<'_>) {
        self.with(|buf, id, now| record(buf, Some(id), now, event));
    }
}

/// Gives `event`, an event of the call registered as `call` (or of an unregistered call),
/// to the capture it belongs to.
#[cold]
#[inline(never)]
pub(crate) fn observe(call: Option<&CallRef>, event: &Event<'_>) {
    match call {
        Some(call) => call.event(event),
        None => {
            let _ = CAPTURE.try_with(|shared| record(&mut lock(shared), None, Instant::now(), event));
        }
    }
}

/// Records `event` of call `id` (a call of its own when `None`).
fn record(buf: &mut Buf, id: Option<u32>, now: Instant, event: &Event<'_>) {
    let (function, what, at) = match *event {
        Event::Retry { function, attempt, delay, .. } => (function, What::Retry { attempt, delay }, now),
        Event::RetriesExhausted { function, attempt, .. } => {
            (function, What::GaveUp { attempt, why: GaveUp::Exhausted }, now)
        }
        Event::NotRetryable { function, attempt, .. } => {
            (function, What::GaveUp { attempt, why: GaveUp::NotRetryable }, now)
        }
        Event::RetryOutOfTime { function, attempt, .. } => {
            (function, What::GaveUp { attempt, why: GaveUp::OutOfTime }, now)
        }
        Event::RetryHintTooLong { function, attempt, retry_after, .. } => {
            (function, What::GaveUp { attempt, why: GaveUp::HintTooLong(retry_after) }, now)
        }
        Event::RetryPastDeadline { function, attempt, .. } => {
            (function, What::GaveUp { attempt, why: GaveUp::PastDeadline }, now)
        }
        Event::RetryBudgetExhausted { function, budget, attempt, .. } => {
            (function, What::GaveUp { attempt, why: GaveUp::RetryBudget(budget) }, now)
        }
        Event::Rejected { function, policy, name, rejection } => {
            if let Some(id) = id {
                if policy == "hedge" {
                    // A hedge's timeout drops every attempt it runs.
                    buf.close_all(id, now, AttemptOutcome::Cancelled);
                } else if let Some(last) = buf.calls.get_mut(&id).and_then(|call| call.open.last_mut()) {
                    last.rejected = true;
                }
            }
            (function, What::Rejected { policy, name, rejection: *rejection }, now)
        }
        Event::HedgeFired { function, name, attempt } => {
            if let Some(id) = id {
                buf.open(id, attempt, now);
            }
            (function, What::Hedge { attempt, action: HedgeAction::Fired, name }, now)
        }
        Event::HedgeWon { function, name, attempt } => {
            if let Some(id) = id
                && let Some(i) = buf.calls.get(&id).and_then(|call| call.open.iter().position(|o| o.attempt == attempt))
            {
                buf.close(id, i, now, AttemptOutcome::Success);
                if let Some(call) = buf.calls.get_mut(&id) {
                    call.succeeded = true;
                }
            }
            (function, What::Hedge { attempt, action: HedgeAction::Won, name }, now)
        }
        Event::HedgeDenied { function, name, attempt } => {
            (function, What::Hedge { attempt, action: HedgeAction::Denied, name }, now)
        }
        Event::BulkheadWait { function, name, waited } => {
            // Reported once admitted: it started `waited` ago.
            let start = now.checked_sub(waited).unwrap_or(now);
            (function, What::Waited { policy: "bulkhead", name, waited }, start)
        }
        Event::RateLimitWait { function, name, waited } => {
            (function, What::Waited { policy: "rate_limit", name, waited }, now)
        }
        // A breaker's state change is an event of the shared breaker, not of a call; a
        // chaos injection shows in what it does to the call (a delay, an error, a hang).
        Event::StateChange { .. } | Event::ChaosInjected { .. } => return,
    };
    let id = id.unwrap_or_else(|| {
        buf.seen += 1;
        buf.seen
    });
    buf.push(at, id, function, what);
}
