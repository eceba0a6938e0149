//! Metrics through the [`metrics`](https://docs.rs/metrics) facade (cargo feature `metrics`):
//! whatever recorder the application installs (`metrics-exporter-prometheus`, StatsD,
//! OpenTelemetry, ...) receives them.
//!
//! # Names, kinds and labels
//!
//! They are part of resile's public interface, as its API is. [`NAMES`] lists them.
//!
//! | metric | kind | labels | unit, when |
//! |---|---|---|---|
//! | `resile_calls_total` | counter | `function`, `outcome` = `success` \| `failure` \| `rejected` | every guarded call, when it ends |
//! | `resile_call_duration_seconds` | histogram | `function` | seconds (tokio's clock) from the call's start to its end, every call |
//! | `resile_retries_total` | counter | `function` | every retry (an attempt that failed and is followed by another) |
//! | `resile_retries_exhausted_total` | counter | `function` | every call whose last allowed attempt failed |
//! | `resile_rejections_total` | counter | `policy`, `name`, `reason` | every refusal or cut by a policy |
//! | `resile_circuit_breaker_state` | gauge | `name` | 0 closed, 1 open, 2 half-open, 3 forced open, 4 disabled; set when the breaker is created and at every transition |
//! | `resile_circuit_breaker_transitions_total` | counter | `name`, `from`, `to` | every transition |
//! | `resile_hedges_total` | counter | `name`, `result` = `fired` \| `won` \| `denied` | every hedged attempt started, won, or denied by the hedge budget |
//! | `resile_bulkhead_in_use` | gauge | `name` | the weights held by running calls, set when it changes |
//! | `resile_bulkhead_waiting` | gauge | `name` | the calls queued, set when it changes |
//! | `resile_bulkhead_wait_seconds` | histogram | `name` | seconds an admitted call waited in the queue |
//! | `resile_rate_limiter_tokens` | gauge | `name` | the tokens left after the last decision (see below) |
//! | `resile_config` | gauge | `policy`, `name`, `key`, `source` = `live` \| `declared` \| `default` | each setting of each named instance, durations in seconds (the instance's own keys: a call site's `weight`, `max_wait`, a hedge's `delay`, `max_requests` and `timeout` are not the instance's) |
//! | `resile_keys_evicted_total` | counter | `policy`, `name` | keyed instances dropped past `max_keys` |
//! | `resile_chaos_injected_total` | counter | `name`, `fault` | faults a chaos injector injected (`error`, `outage`, `latency`, `hang`; `name` empty when unnamed) |
//!
//! Label values:
//! - `function`: the guarded function as [`Function`] shows it, `Orders::get` for a
//!   method, the fn's path for a free function;
//! - `policy`: the attribute's name (`circuit_breaker`, `bulkhead`, `rate_limit`, `hedge`,
//!   `timeout`, `retry_budget`);
//! - `name`: the named instance; empty for a `#[timeout]`, which has none;
//! - `reason`: the [`Rejection`] variant in snake_case (`circuit_open`, `bulkhead_full`,
//!   `rate_limited`, `timed_out`, `no_backend`);
//! - `from`, `to`: [`State`]s in snake_case (`closed`, `open`, `half_open`, `forced_open`,
//!   `disabled`);
//! - `key`: the key of the attribute (`window_size`); keys that take a word rather than a
//!   number (`window = "count"`) and unset optional keys (`slow_call_threshold`) have no
//!   gauge (an optional key that goes back to unset has NaN, as the series of a source no
//!   longer in force have).
//!
//! `outcome = "rejected"` counts a failed call that one of its own policies refused (its
//! breaker was open, its bulkhead full, its limiter empty, its timeout passed) since its
//! last attempt started: a retry or a hedged attempt starts afresh, so a call whose
//! attempt 1 was refused and attempt 2 failed in its body is a `failure`. Two cases count
//! as `rejected` though the last error is not the refusal: a `#[fallback]` that turned a
//! refusal into an error of its own, and a hedge whose later attempt was refused by a
//! policy inside it while an earlier one was still running and then failed.
//!
//! # The cardinality guard
//!
//! A label that would take more than [`max_label_values`] distinct values (default 1000,
//! set with [`set_max_label_values`]) records the values past that as `other`, and a
//! `tracing` WARN (target `resile`) says so once per label. Function and instance names
//! come from code, so the guard matters for names built at run time.
//!
//! # Gauges of lazy state
//!
//! A bulkhead's `in_use` and `waiting` change only when a call is admitted, queued, leaves
//! the queue or returns its permits: the gauges are set right there, exact at every
//! instant. A rate limiter's tokens are lazy: they grow with time, with no timer to tell
//! anyone. The gauge is set at every decision the limiter takes (admitted, wait, refused)
//! to the tokens left after it, so it shows the headroom the last call saw; it does not
//! grow by itself while no call comes (read `rate_limiter(name).stats()` for the exact
//! value now). A background task refreshing it would cost a timer per limiter for a value
//! that matters only while calls come.
//!
//! # Cost
//!
//! With the feature off, nothing: the call path is the same instructions as without
//! metrics (the expansion's meter is zero-sized and its calls are empty).
//!
//! With it on, every guarded call reads tokio's clock when it starts and ends, looks up the
//! recorder (a thread-local and one atomic load, inside `metrics`) and its call site's
//! handles (one `Acquire` load, registered once per call site and recorder; the
//! instantiations of a generic impl's method show one `function` label and share them),
//! then adds one to a counter and records one histogram value. An event (a retry, a rejection, a hedge, a
//! transition) takes a lock and looks its series' handle up in a map; the first event of a
//! series registers it (building a `Key` allocates). `benches/README.md` has the measured
//! figures; `tests/alloc.rs` runs with the feature on and no recorder: the warm paths
//! allocate nothing.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder, SharedString, Unit};

use super::{Event, Function};
use crate::kit::Source;
use crate::{Rejection, State};

/// `resile_calls_total`: counter, labels `function`, `outcome`.
pub const CALLS_TOTAL: &str = "resile_calls_total";
/// `resile_call_duration_seconds`: histogram, label `function`.
pub const CALL_DURATION_SECONDS: &str = "resile_call_duration_seconds";
/// `resile_retries_total`: counter, label `function`.
pub const RETRIES_TOTAL: &str = "resile_retries_total";
/// `resile_retries_exhausted_total`: counter, label `function`.
pub const RETRIES_EXHAUSTED_TOTAL: &str = "resile_retries_exhausted_total";
/// `resile_rejections_total`: counter, labels `policy`, `name`, `reason`.
pub const REJECTIONS_TOTAL: &str = "resile_rejections_total";
/// `resile_circuit_breaker_state`: gauge, label `name`.
pub const CIRCUIT_BREAKER_STATE: &str = "resile_circuit_breaker_state";
/// `resile_circuit_breaker_transitions_total`: counter, labels `name`, `from`, `to`.
pub const CIRCUIT_BREAKER_TRANSITIONS_TOTAL: &str = "resile_circuit_breaker_transitions_total";
/// `resile_hedges_total`: counter, labels `name`, `result`.
pub const HEDGES_TOTAL: &str = "resile_hedges_total";
/// `resile_bulkhead_in_use`: gauge, label `name`.
pub const BULKHEAD_IN_USE: &str = "resile_bulkhead_in_use";
/// `resile_bulkhead_waiting`: gauge, label `name`.
pub const BULKHEAD_WAITING: &str = "resile_bulkhead_waiting";
/// `resile_bulkhead_wait_seconds`: histogram, label `name`.
pub const BULKHEAD_WAIT_SECONDS: &str = "resile_bulkhead_wait_seconds";
/// `resile_rate_limiter_tokens`: gauge, label `name`.
pub const RATE_LIMITER_TOKENS: &str = "resile_rate_limiter_tokens";
/// `resile_config`: gauge, labels `policy`, `name`, `key`, `source`.
pub const CONFIG: &str = "resile_config";
/// `resile_keys_evicted_total`: counter, labels `policy`, `name`.
pub const KEYS_EVICTED_TOTAL: &str = "resile_keys_evicted_total";

/// `resile_chaos_injected_total`: counter, labels `name`, `fault`.
pub const CHAOS_INJECTED_TOTAL: &str = "resile_chaos_injected_total";

/// Every metric resile records, by name.
pub const NAMES: [&str; 15] = [
    CALLS_TOTAL,
    CALL_DURATION_SECONDS,
    RETRIES_TOTAL,
    RETRIES_EXHAUSTED_TOTAL,
    REJECTIONS_TOTAL,
    CIRCUIT_BREAKER_STATE,
    CIRCUIT_BREAKER_TRANSITIONS_TOTAL,
    HEDGES_TOTAL,
    BULKHEAD_IN_USE,
    BULKHEAD_WAITING,
    BULKHEAD_WAIT_SECONDS,
    RATE_LIMITER_TOKENS,
    CONFIG,
    KEYS_EVICTED_TOTAL,
    CHAOS_INJECTED_TOTAL,
];

/// The default of [`max_label_values`].
pub const DEFAULT_MAX_LABEL_VALUES: usize = 1000;

static MAX_LABEL_VALUES: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_LABEL_VALUES);

/// How many distinct values one label (`function`, `name`, ...) may take before the rest
/// are recorded as `other` (default [`DEFAULT_MAX_LABEL_VALUES`], 1000).
pub fn max_label_values() -> usize {
    MAX_LABEL_VALUES.load(Ordering::Relaxed)
}

/// Sets [`max_label_values`], for the values not seen yet: a value already recorded keeps
/// its series. Call it at start-up, before the calls it should guard.
pub fn set_max_label_values(max: usize) {
    MAX_LABEL_VALUES.store(max, Ordering::Relaxed);
}

/// The metrics of a keyed instance dropped past `max_keys`: adds one to
/// `resile_keys_evicted_total{policy, name}` (`policy` as `circuit_breaker`, `name` the
/// instance's name). What keyed instances call at each eviction.
pub fn key_evicted(policy: &'static str, name: &str) {
    with_recorder(|r| {
        let labels = vec![Label::new("policy", policy), Label::new("name", guard("name", name))];
        r.register_counter(&Key::from_parts(KEYS_EVICTED_TOTAL, labels), &METADATA).increment(1);
    });
}

static METADATA: Metadata<'static> = Metadata::new("resile", Level::INFO, Some("resile"));

/// The current recorder (thread-local, else global, else `metrics`' no-op one), after
/// describing every metric to it the first time it is seen.
#[inline]
fn with_recorder<T>(f: impl FnOnce(&dyn Recorder) -> T) -> T {
    metrics::with_recorder(|r| {
        let id = identity(r);
        // Orderings: `Relaxed`; a stale read only takes the path below, which locks.
        if DESCRIBED.load(Ordering::Relaxed) != id {
            described(r, id);
        }
        f(r)
    })
}

/// The recorder the last call described to or found described.
static DESCRIBED: AtomicUsize = AtomicUsize::new(0);

/// Every recorder described to, so that threads using different recorders (local ones, in
/// tests) do not describe again at each switch.
static DESCRIBED_ALL: Mutex<Vec<usize>> = Mutex::new(Vec::new());

#[cold]
#[inline(never)]
fn described(r: &dyn Recorder, id: usize) {
    let mut all = DESCRIBED_ALL.lock().unwrap_or_else(|e| e.into_inner());
    if !all.contains(&id) {
        all.push(id);
        describe(r);
    }
    DESCRIBED.store(id, Ordering::Relaxed);
}

/// A recorder's address: what tells whether handles registered with it are still the
/// right ones.
#[inline]
fn identity(r: &dyn Recorder) -> usize {
    std::ptr::from_ref(r).cast::<()>() as usize
}

fn describe(r: &dyn Recorder) {
    let counter =
        |name: &'static str, text: &'static str| r.describe_counter(name.into(), Some(Unit::Count), text.into());
    let gauge =
        |name: &'static str, unit: Unit, text: &'static str| r.describe_gauge(name.into(), Some(unit), text.into());
    let histogram =
        |name: &'static str, text: &'static str| r.describe_histogram(name.into(), Some(Unit::Seconds), text.into());
    counter(
        CALLS_TOTAL,
        "Guarded calls, by how they ended: success, failure (the body's error) or rejected (a policy's)",
    );
    histogram(
        CALL_DURATION_SECONDS,
        "Duration of guarded calls, from their start to their end, retries and waits included",
    );
    counter(RETRIES_TOTAL, "Attempts that failed and were retried");
    counter(RETRIES_EXHAUSTED_TOTAL, "Calls whose last allowed attempt failed");
    counter(REJECTIONS_TOTAL, "Calls refused or cut by a policy, by policy, instance and reason");
    gauge(
        CIRCUIT_BREAKER_STATE,
        Unit::Count,
        "Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 forced open, 4 disabled",
    );
    counter(CIRCUIT_BREAKER_TRANSITIONS_TOTAL, "Circuit breaker state transitions");
    counter(HEDGES_TOTAL, "Hedged attempts: fired, won, or denied by the hedge budget");
    counter(CHAOS_INJECTED_TOTAL, "Faults injected by chaos injectors, by injector and fault");
    gauge(BULKHEAD_IN_USE, Unit::Count, "Bulkhead permits (weights) held by running calls");
    gauge(BULKHEAD_WAITING, Unit::Count, "Calls waiting in a bulkhead's queue");
    histogram(BULKHEAD_WAIT_SECONDS, "Time admitted calls waited in a bulkhead's queue");
    gauge(RATE_LIMITER_TOKENS, Unit::Count, "Rate limiter tokens left after its last decision");
    r.describe_gauge(
        CONFIG.into(),
        None,
        "Settings of named instances, durations in seconds, by where they come from: live, declared or default".into(),
    );
    counter(KEYS_EVICTED_TOTAL, "Keyed instances dropped past max_keys");
}

// ---------------------------------------------------------------------------------------
// The cardinality guard.

struct Seen {
    values: HashMap<&'static str, HashMap<Box<str>, ()>>,
    warned: HashMap<&'static str, ()>,
}

static SEEN: Mutex<Option<Seen>> = Mutex::new(None);

/// `value` for the label `label`, or `other` when the label already has
/// [`max_label_values`] other values (with one warning per label).
fn guard(label: &'static str, value: &str) -> SharedString {
    guard_with(label, value, max_label_values())
}

fn guard_with(label: &'static str, value: &str, max: usize) -> SharedString {
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(|| Seen { values: HashMap::new(), warned: HashMap::new() });
    let values = seen.values.entry(label).or_default();
    if values.contains_key(value) {
        return SharedString::from_owned(value.to_owned());
    }
    if values.len() < max {
        values.insert(value.into(), ());
        return SharedString::from_owned(value.to_owned());
    }
    if let Entry::Vacant(v) = seen.warned.entry(label) {
        v.insert(());
        tracing::warn!(
            target: "resile",
            label,
            max_label_values = max,
            "metrics label `{label}` has reached {max} distinct values: `{value}` and every new value after it \
             are recorded as `other` (raise the limit with resile::telemetry::metrics::set_max_label_values)"
        );
    }
    SharedString::const_str("other")
}

// ---------------------------------------------------------------------------------------
// Label values.

fn reason(rejection: &Rejection) -> &'static str {
    match rejection {
        Rejection::CircuitOpen { .. } => "circuit_open",
        Rejection::BulkheadFull { .. } => "bulkhead_full",
        Rejection::RateLimited { .. } => "rate_limited",
        Rejection::TimedOut { .. } => "timed_out",
        Rejection::NoBackend { .. } => "no_backend",
    }
}

/// A state in snake_case, as the `from` and `to` labels write it.
fn state(state: State) -> &'static str {
    match state {
        State::Closed => "closed",
        State::Open => "open",
        State::HalfOpen => "half_open",
        State::ForcedOpen => "forced_open",
        State::Disabled => "disabled",
    }
}

/// A state's gauge value.
fn state_value(state: State) -> f64 {
    match state {
        State::Closed => 0.0,
        State::Open => 1.0,
        State::HalfOpen => 2.0,
        State::ForcedOpen => 3.0,
        State::Disabled => 4.0,
    }
}

fn function_label(function: Function) -> SharedString {
    guard("function", &function.to_string())
}

fn counter(r: &dyn Recorder, name: &'static str, labels: Vec<Label>) -> Counter {
    r.register_counter(&Key::from_parts(name, labels), &METADATA)
}

// ---------------------------------------------------------------------------------------
// Events: the telemetry funnel passes each one here.

/// One series an event records to, by its labels' values: the key of the handles kept for
/// events, so that an event seen before costs a lock and a lookup, and no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Series {
    Retries(Function),
    Exhausted(Function),
    Rejections { policy: &'static str, name: Option<&'static str>, reason: &'static str },
    Transitions { name: &'static str, from: State, to: State },
    State(&'static str),
    Hedges { name: &'static str, result: &'static str },
    BulkheadWait(&'static str),
    Chaos { name: Option<&'static str>, fault: &'static str },
}

/// A registered handle.
enum Handle {
    Counter(Counter),
    Gauge(Gauge),
    Histogram(Histogram),
}

impl Series {
    /// Registers the series with `r`.
    fn register(self, r: &dyn Recorder) -> Handle {
        let name = |name: &'static str| Label::new("name", guard("name", name));
        match self {
            Series::Retries(function) => {
                Handle::Counter(counter(r, RETRIES_TOTAL, vec![Label::new("function", function_label(function))]))
            }
            Series::Exhausted(function) => Handle::Counter(counter(
                r,
                RETRIES_EXHAUSTED_TOTAL,
                vec![Label::new("function", function_label(function))],
            )),
            Series::Rejections { policy, name: instance, reason } => {
                let labels = vec![
                    Label::new("policy", policy),
                    Label::new("name", guard("name", instance.unwrap_or(""))),
                    Label::new("reason", reason),
                ];
                Handle::Counter(counter(r, REJECTIONS_TOTAL, labels))
            }
            Series::Transitions { name: breaker, from, to } => {
                let labels = vec![name(breaker), Label::new("from", state(from)), Label::new("to", state(to))];
                Handle::Counter(counter(r, CIRCUIT_BREAKER_TRANSITIONS_TOTAL, labels))
            }
            Series::State(breaker) => {
                Handle::Gauge(r.register_gauge(&Key::from_parts(CIRCUIT_BREAKER_STATE, vec![name(breaker)]), &METADATA))
            }
            Series::Hedges { name: tracker, result } => {
                Handle::Counter(counter(r, HEDGES_TOTAL, vec![name(tracker), Label::new("result", result)]))
            }
            Series::Chaos { name: injector, fault } => {
                let labels =
                    vec![Label::new("name", guard("name", injector.unwrap_or(""))), Label::new("fault", fault)];
                Handle::Counter(counter(r, CHAOS_INJECTED_TOTAL, labels))
            }
            Series::BulkheadWait(bulkhead) => Handle::Histogram(
                r.register_histogram(&Key::from_parts(BULKHEAD_WAIT_SECONDS, vec![name(bulkhead)]), &METADATA),
            ),
        }
    }
}

/// The handles of events, for one recorder.
struct EventHandles {
    recorder: usize,
    handles: HashMap<Series, Handle>,
}

static EVENTS: Mutex<Option<EventHandles>> = Mutex::new(None);

/// Runs `f` with the handle of `series`, registered the first time.
fn with_series(series: Series, f: impl FnOnce(&Handle)) {
    with_recorder(|r| {
        let id = identity(r);
        let mut events = EVENTS.lock().unwrap_or_else(|e| e.into_inner());
        let events = match &mut *events {
            Some(events) if events.recorder == id => events,
            slot => slot.insert(EventHandles { recorder: id, handles: HashMap::new() }),
        };
        f(events.handles.entry(series).or_insert_with(|| series.register(r)));
    });
}

fn increment(series: Series) {
    with_series(series, |h| {
        if let Handle::Counter(c) = h {
            c.increment(1);
        }
    });
}

/// Sets `resile_circuit_breaker_state{name}` to `state`: at every transition, and when the
/// breaker is created, so that a breaker that never tripped shows 0.
pub(crate) fn breaker_state(name: &'static str, state: State) {
    with_series(Series::State(name), |h| {
        if let Handle::Gauge(g) = h {
            g.set(state_value(state));
        }
    });
}

/// Records what `event` counts: a lock and a lookup of its series' handle, registered
/// (allocating) the first time.
pub(crate) fn on_event(event: &Event<'_>) {
    match *event {
        Event::Retry { function, .. } => increment(Series::Retries(function)),
        Event::RetriesExhausted { function, .. } => increment(Series::Exhausted(function)),
        Event::Rejected { policy, name, rejection, .. } => {
            increment(Series::Rejections { policy, name, reason: reason(rejection) });
        }
        Event::StateChange { name, from, to, .. } => {
            increment(Series::Transitions { name, from, to });
            breaker_state(name, to);
        }
        Event::HedgeFired { name, .. } => increment(Series::Hedges { name, result: "fired" }),
        Event::HedgeWon { name, .. } => increment(Series::Hedges { name, result: "won" }),
        Event::HedgeDenied { name, .. } => increment(Series::Hedges { name, result: "denied" }),
        Event::BulkheadWait { name, waited, .. } => with_series(Series::BulkheadWait(name), |h| {
            if let Handle::Histogram(histogram) = h {
                histogram.record(waited.as_secs_f64());
            }
        }),
        Event::NotRetryable { .. }
        | Event::RetryBudgetExhausted { .. }
        | Event::RetryOutOfTime { .. }
        | Event::RetryHintTooLong { .. }
        | Event::RetryPastDeadline { .. }
        | Event::RateLimitWait { .. } => {}
        Event::ChaosInjected { name, fault, .. } => increment(Series::Chaos { name, fault }),
    }
}

// ---------------------------------------------------------------------------------------
// Handles cached per call site or instance, for the call path.

/// Handles registered with one recorder, kept until another recorder is in use: one
/// `Acquire` load and a compare on the call path.
///
/// One cache may need more than one set: the instantiations of a generic impl
/// (`impl<T> Repo<T>`) share their expansion's `static`, and a trait's default method is
/// one expansion for every implementor. `fits` tells whether the current set is the right
/// one; when it is not, the sets already registered with this recorder are looked through
/// (a lock, no allocation) before a new one is registered, so calls that alternate between
/// two sets switch between them and never register again. There is one set per value of
/// what `fits` compares (the `function` label) and recorder.
///
/// Sets registered with a recorder that is no longer in use are retired, not freed (as the
/// kit's `Swap` does with settings), since a call may still hold one: the sets of one
/// recorder per change of recorder, which happens once in a process that installs one at
/// start-up (and at each switch between local recorders in tests).
///
/// # Orderings
/// `switch` publishes a set with `Release` (after making it, or under the lock that the
/// thread which made it held), `with` reads it with `Acquire`, so a call that sees the
/// pointer sees the handles behind it.
pub(crate) struct Cached<T> {
    current: AtomicPtr<(usize, T)>,
    sets: Mutex<Sets<T>>,
}

/// Every set a [`Cached`] registered.
struct Sets<T> {
    /// The recorder of `live`.
    recorder: usize,
    /// The sets registered with `recorder`.
    live: Vec<*mut (usize, T)>,
    /// The sets of earlier recorders: kept allocated, never used again.
    retired: Vec<*mut (usize, T)>,
}

// SAFETY: a `Cached<T>` owns its values (boxed, never freed) and hands out `&T` only.
unsafe impl<T: Send> Send for Cached<T> {}
// SAFETY: see `Send`; shared access only gives `&T`, which needs `T: Sync`; the raw
// pointers in `sets` are only read under its lock.
unsafe impl<T: Send + Sync> Sync for Cached<T> {}

impl<T> std::fmt::Debug for Cached<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cached")
    }
}

impl<T> Cached<T> {
    pub(crate) const fn new() -> Self {
        Cached {
            current: AtomicPtr::new(std::ptr::null_mut()),
            sets: Mutex::new(Sets { recorder: 0, live: Vec::new(), retired: Vec::new() }),
        }
    }

    /// Runs `f` with the handles for the current recorder that `fits` accepts: the current
    /// ones, else one of those registered with this recorder before, else new ones made
    /// with `make`.
    #[inline]
    pub(crate) fn with<R>(
        &self,
        fits: impl Fn(&T) -> bool,
        make: impl FnOnce(&dyn Recorder) -> T,
        f: impl FnOnce(&T) -> R,
    ) -> R {
        with_recorder(|r| {
            let id = identity(r);
            // SAFETY: a non-null pointer came from `Box::into_raw` in `switch` and is never
            // freed (retired sets stay allocated).
            if let Some((cached, handles)) = unsafe { self.current.load(Ordering::Acquire).as_ref() }
                && *cached == id
                && fits(handles)
            {
                return f(handles);
            }
            self.switch(id, fits, || make(r), f)
        })
    }

    #[cold]
    #[inline(never)]
    fn switch<R>(&self, id: usize, fits: impl Fn(&T) -> bool, make: impl FnOnce() -> T, f: impl FnOnce(&T) -> R) -> R {
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        if sets.recorder != id {
            let Sets { live, retired, .. } = &mut *sets;
            retired.append(live);
            sets.recorder = id;
        }
        // SAFETY: every pointer in `live` came from `Box::into_raw` below and is never freed.
        let found = sets.live.iter().copied().find(|&set| fits(unsafe { &(*set).1 }));
        let set = found.unwrap_or_else(|| {
            let new = Box::into_raw(Box::new((id, make())));
            sets.live.push(new);
            new
        });
        self.current.store(set, Ordering::Release);
        drop(sets);
        // SAFETY: `set` came from `Box::into_raw` and is never freed.
        f(unsafe { &(*set).1 })
    }
}

/// A guarded function's handles: its outcomes and its duration.
pub(crate) struct CallHandles {
    /// The impl type they were registered for, as `type_name` gave it.
    impl_type: Option<&'static str>,
    /// The same as the `function` label shows it (`Repo` for `app::Repo<u8>`): what
    /// decides the series, so every instantiation of a generic impl shares them.
    shown: Option<&'static str>,
    success: Counter,
    failure: Counter,
    rejected: Counter,
    duration: Histogram,
}

impl CallHandles {
    /// Whether these handles are those of `function`: the same impl type (one call site
    /// passes the same `&'static str` every time: a pointer and a length compare), else the
    /// same impl type as shown. The path is one meter's, the same for every call.
    #[inline]
    fn fit(&self, function: Function) -> bool {
        match (self.impl_type, function.raw_impl_type()) {
            (Some(a), Some(b)) if std::ptr::eq(a, b) => true,
            (None, None) => true,
            (Some(_), Some(_)) => self.shown == function.impl_type(),
            _ => false,
        }
    }
}

/// Records one call of `function` that ended with `outcome` (`Some(true)`: success,
/// `Some(false)`: failure, `None`: rejected) after `elapsed`.
#[inline]
pub(crate) fn call(cache: &Cached<CallHandles>, function: Function, outcome: Option<bool>, seconds: f64) {
    cache.with(
        |h| h.fit(function),
        |r| {
            let name = function_label(function);
            let outcome = |o: &'static str| {
                counter(r, CALLS_TOTAL, vec![Label::new("function", name.clone()), Label::new("outcome", o)])
            };
            CallHandles {
                impl_type: function.raw_impl_type(),
                shown: function.impl_type(),
                success: outcome("success"),
                failure: outcome("failure"),
                rejected: outcome("rejected"),
                duration: r.register_histogram(
                    &Key::from_parts(CALL_DURATION_SECONDS, vec![Label::new("function", name.clone())]),
                    &METADATA,
                ),
            }
        },
        |h| {
            match outcome {
                Some(true) => &h.success,
                Some(false) => &h.failure,
                None => &h.rejected,
            }
            .increment(1);
            h.duration.record(seconds);
        },
    );
}

/// A bulkhead's gauges.
pub(crate) struct BulkheadGauges {
    in_use: Gauge,
    waiting: Gauge,
}

/// Sets the gauges of the bulkhead `name` to `in_use` and `waiting`.
#[inline]
pub(crate) fn bulkhead(cache: &Cached<BulkheadGauges>, name: &'static str, in_use: u32, waiting: u32) {
    cache.with(
        |_| true,
        |r| {
            let name = guard("name", name);
            BulkheadGauges {
                in_use: r.register_gauge(
                    &Key::from_parts(BULKHEAD_IN_USE, vec![Label::new("name", name.clone())]),
                    &METADATA,
                ),
                waiting: r
                    .register_gauge(&Key::from_parts(BULKHEAD_WAITING, vec![Label::new("name", name)]), &METADATA),
            }
        },
        |g| {
            g.in_use.set(f64::from(in_use));
            g.waiting.set(f64::from(waiting));
        },
    );
}

/// Sets the tokens gauge of the rate limiter `name`.
#[inline]
pub(crate) fn rate_limiter(cache: &Cached<Gauge>, name: &'static str, tokens: f64) {
    cache.with(
        |_| true,
        |r| {
            r.register_gauge(
                &Key::from_parts(RATE_LIMITER_TOKENS, vec![Label::new("name", guard("name", name))]),
                &METADATA,
            )
        },
        |g| g.set(tokens),
    );
}

// ---------------------------------------------------------------------------------------
// Settings.

/// A setting as the `resile_config` gauge shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting {
    /// A count or a number.
    Number(f64),
    /// A duration: recorded in seconds.
    Duration(Duration),
}

impl From<u32> for Setting {
    fn from(n: u32) -> Self {
        Setting::Number(f64::from(n))
    }
}

impl From<f64> for Setting {
    fn from(x: f64) -> Self {
        Setting::Number(x)
    }
}

impl From<Duration> for Setting {
    fn from(d: Duration) -> Self {
        Setting::Duration(d)
    }
}

impl Setting {
    fn value(self) -> f64 {
        match self {
            Setting::Number(x) => x,
            Setting::Duration(d) => d.as_secs_f64(),
        }
    }
}

/// The keys set last for each instance, with their source: what a new value replaces.
type Shown = HashMap<(&'static str, &'static str), (Source, Vec<&'static str>)>;

static SHOWN: Mutex<Option<Shown>> = Mutex::new(None);

/// Sets the `resile_config` gauges of the instance `name` of `policy` to `settings`, which
/// come from `source`. The series of another source (the instance was declared, then
/// reconfigured live) are set to NaN, which Prometheus shows as no value, so one source at
/// a time has values; so are those of a key shown before that `settings` no longer has (an
/// optional key back to unset), so no series keeps a value that is not in force.
pub(crate) fn config(policy: &'static str, name: &'static str, source: Source, settings: &[(&'static str, Setting)]) {
    let source_label = source.to_string();
    let mut shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
    let shown = shown.get_or_insert_with(HashMap::new);
    with_recorder(|r| {
        let name_label = guard("name", name);
        let gauge = |key: &'static str, source: String| {
            let labels = vec![
                Label::new("policy", policy),
                Label::new("name", name_label.clone()),
                Label::new("key", key),
                Label::new("source", source),
            ];
            r.register_gauge(&Key::from_parts(CONFIG, labels), &METADATA)
        };
        let previous = shown.insert((policy, name), (source, settings.iter().map(|(k, _)| *k).collect()));
        if let Some((old, keys)) = previous {
            // The series of another source, and those of keys no longer set (an optional
            // key back to unset): no value.
            for key in keys {
                if old != source || !settings.iter().any(|&(k, _)| k == key) {
                    gauge(key, old.to_string()).set(f64::NAN);
                }
            }
        }
        for &(key, setting) in settings {
            gauge(key, source_label.clone()).set(setting.value());
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Counts WARN events of target `resile`.
    struct Warnings(Arc<AtomicUsize>);

    impl tracing::Subscriber for Warnings {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            if *event.metadata().level() == tracing::Level::WARN && event.metadata().target() == "resile" {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn a_label_past_its_limit_folds_into_other_with_one_warning() {
        let warnings = Arc::new(AtomicUsize::new(0));
        tracing::subscriber::with_default(Warnings(warnings.clone()), || {
            let values: Vec<String> =
                (0..6).map(|i| guard_with("test_label", &format!("v{i}"), 3).as_ref().to_owned()).collect();
            assert_eq!(values, ["v0", "v1", "v2", "other", "other", "other"]);
            // A value seen before the limit keeps its series.
            assert_eq!(guard_with("test_label", "v1", 3).as_ref(), "v1");
            // Another label has a limit of its own.
            assert_eq!(guard_with("test_label_2", "v4", 3).as_ref(), "v4");
        });
        assert_eq!(warnings.load(Ordering::SeqCst), 1);
    }

    /// A recorder at an address of its own, that records nothing.
    struct Other(#[allow(dead_code)] u64);

    impl Recorder for Other {
        fn describe_counter(&self, _: metrics::KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: metrics::KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: metrics::KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
            Counter::noop()
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    /// Calls that alternate between two sets switch between them: two sets made, whatever
    /// the number of calls; a new recorder retires them and makes its own.
    #[test]
    fn alternating_sets_are_made_once_per_recorder() {
        let cache: Cached<u32> = Cached::new();
        let made = AtomicUsize::new(0);
        let call = |want: u32| {
            cache.with(
                |&have| have == want,
                |_| {
                    made.fetch_add(1, Ordering::SeqCst);
                    want
                },
                |&have| assert_eq!(have, want),
            );
        };
        for _ in 0..100 {
            call(1);
            call(2);
        }
        assert_eq!(made.load(Ordering::SeqCst), 2);
        metrics::with_local_recorder(&Other(0), || {
            call(1);
            call(2);
            call(1);
        });
        assert_eq!(made.load(Ordering::SeqCst), 4);
        let sets = cache.sets.lock().unwrap();
        assert_eq!((sets.live.len(), sets.retired.len()), (2, 2));
    }

    #[test]
    fn labels_are_snake_case() {
        assert_eq!(reason(&Rejection::TimedOut { after: Duration::from_secs(1) }), "timed_out");
        assert_eq!(reason(&Rejection::NoBackend { name: "api", backend: "redis" }), "no_backend");
        assert_eq!(state(State::HalfOpen), "half_open");
        assert_eq!(state(State::ForcedOpen), "forced_open");
        assert_eq!(
            [State::Closed, State::Open, State::HalfOpen, State::ForcedOpen, State::Disabled].map(state_value),
            [0.0, 1.0, 2.0, 3.0, 4.0]
        );
    }
}
