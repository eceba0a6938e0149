//! Telemetry (SPEC §8): the `resile` span around each guarded call, the retry and rejection
//! events (target `resile`) captured by a small `tracing_subscriber` layer, and the
//! process-global `Observer` hook. Every test here takes `SERIAL`: the observer is global,
//! and tracing's per-callsite interest cache is shared by the thread-local subscribers.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use resile::Rejection;
use resile::retry::RetryBudgetConfig;
use resile::telemetry::{Event, Observer, clear_observer, set_observer};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug, Clone, PartialEq)]
enum E {
    Flaky(u32),
    Rejected(Rejection),
}
impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}
impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            E::Flaky(n) => write!(f, "flaky attempt {n}"),
            E::Rejected(r) => write!(f, "{r}"),
        }
    }
}

/// An error type without `Display`: telemetry must leave the error out.
#[derive(PartialEq)]
struct Opaque;

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---- a capturing layer -----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Rec {
    Span { name: String, target: String, fields: BTreeMap<String, String> },
    Event { target: String, parent: Option<String>, fields: BTreeMap<String, String> },
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);
impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Rec>>>);

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let mut f = Fields::default();
        attrs.record(&mut f);
        let m = attrs.metadata();
        self.0.lock().unwrap().push(Rec::Span { name: m.name().into(), target: m.target().into(), fields: f.0 });
    }
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let parent = ctx.event_span(event).map(|s| s.name().to_owned());
        self.0.lock().unwrap().push(Rec::Event { target: event.metadata().target().into(), parent, fields: f.0 });
    }
}

impl Capture {
    fn take(&self) -> Vec<Rec> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Runs `fut` to completion on a current-thread runtime with a paused clock, with `capture`
/// as this thread's subscriber.
fn traced<T>(capture: &Capture, fut: impl Future<Output = T>) -> T {
    let subscriber = Registry::default().with(capture.clone());
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    tracing::subscriber::with_default(subscriber, || rt.block_on(fut))
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

// ---- guarded functions -----------------------------------------------------------------------

#[resile::retry(max = 3, backoff = "exp", base_delay = "100ms", jitter = "none")]
async fn flaky(fail_until: u32, calls: &Mutex<u32>) -> Result<u32, E> {
    let n = {
        let mut c = calls.lock().unwrap();
        *c += 1;
        *c
    };
    if n <= fail_until { Err(E::Flaky(n)) } else { Ok(n) }
}

#[resile::timeout("250ms")]
async fn slow() -> Result<(), E> {
    tokio::time::sleep(ms(1000)).await;
    Ok(())
}

#[resile::retry(max = 2, backoff = "constant", base_delay = "5ms", jitter = "none")]
async fn opaque() -> Result<(), Opaque> {
    Err(Opaque)
}

#[resile::retry(max = 5, backoff = "constant", base_delay = "5ms", jitter = "none", retry_budget = "telemetry-test")]
async fn budgeted() -> Result<(), E> {
    Err(E::Flaky(0))
}

#[resile::circuit_breaker(name = "telemetry-breaker", window_size = 2, minimum_calls = 2)]
async fn breaking() -> Result<(), E> {
    Err(E::Flaky(0))
}

// ---- tracing ---------------------------------------------------------------------------------

#[test]
fn a_state_change_is_one_event() {
    let _s = serial();
    let capture = Capture::default();
    traced(&capture, async {
        for _ in 0..2 {
            assert_eq!(breaking().await, Err(E::Flaky(0)));
        }
    });
    let changes: Vec<_> = capture
        .take()
        .into_iter()
        .filter_map(|r| match r {
            Rec::Event { fields, .. } if fields.contains_key("to") => Some(fields),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [fields(&[
            ("message", "circuit breaker `telemetry-breaker`: closed -> open"),
            ("resilience.policy", "circuit_breaker"),
            ("resilience.name", "telemetry-breaker"),
            ("from", "closed"),
            ("to", "open"),
        ])]
    );
}

#[test]
fn one_resile_span_per_call_and_retry_events_inside_it() {
    let _s = serial();
    let capture = Capture::default();
    let calls = Mutex::new(0);
    assert_eq!(traced(&capture, flaky(2, &calls)), Ok(3));
    let mut recs = capture.take();
    // the `error` field is checked by `retry_event_error_field_is_the_errors_display`
    for r in &mut recs {
        if let Rec::Event { fields, .. } = r {
            assert!(fields.remove("error").is_some(), "every retry event has an `error` field");
        }
    }
    let span = Rec::Span {
        name: "resile".into(),
        target: "resile".into(),
        fields: fields(&[("function", "telemetry::flaky")]),
    };
    let retry = |attempt: &str, delay: &str| Rec::Event {
        target: "resile".into(),
        parent: Some("resile".into()),
        fields: fields(&[
            (
                "message",
                &format!(
                    "attempt {attempt} of 3 for telemetry::flaky failed, retrying in {delay}ms: flaky attempt {attempt}"
                ),
            ),
            ("function", "telemetry::flaky"),
            ("resilience.policy", "retry"),
            ("resilience.attempt", attempt),
            ("delay_ms", delay),
        ]),
    };
    assert_eq!(recs, [span, retry("1", "100"), retry("2", "200")]);
}

#[test]
fn retry_event_error_field_is_the_errors_display() {
    let _s = serial();
    let capture = Capture::default();
    let calls = Mutex::new(0);
    assert_eq!(traced(&capture, flaky(1, &calls)), Ok(2));
    let errors: Vec<String> = capture
        .take()
        .into_iter()
        .filter_map(|r| match r {
            Rec::Event { mut fields, .. } => fields.remove("error"),
            Rec::Span { .. } => None,
        })
        .collect();
    assert_eq!(errors, ["flaky attempt 1"]);
}

#[test]
fn retry_event_of_an_error_without_display_leaves_the_error_out() {
    let _s = serial();
    let capture = Capture::default();
    assert!(traced(&capture, opaque()) == Err(Opaque));
    let events: Vec<_> = capture.take().into_iter().filter(|r| matches!(r, Rec::Event { .. })).collect();
    assert_eq!(events.len(), 2, "a retry, then the retries exhausted: {events:?}");
    for event in &events {
        let Rec::Event { fields, .. } = event else { unreachable!() };
        assert!(fields.get("error").is_none(), "{fields:?}");
        assert!(!fields["message"].ends_with(": "), "{fields:?}");
    }
    let Rec::Event { fields, .. } = &events[0] else { unreachable!() };
    assert_eq!(fields.get("resilience.attempt").map(String::as_str), Some("1"));
}

#[test]
fn timeout_rejection_event() {
    let _s = serial();
    let capture = Capture::default();
    assert_eq!(traced(&capture, slow()), Err(E::Rejected(Rejection::TimedOut { after: ms(250) })));
    let recs = capture.take();
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert!(
        matches!(&recs[0], Rec::Span { name, fields, .. } if name == "resile" && fields["function"] == "telemetry::slow")
    );
    let Rec::Event { target, parent, fields } = &recs[1] else { panic!("{recs:?}") };
    assert_eq!((target.as_str(), parent.as_deref()), ("resile", Some("resile")));
    assert_eq!(fields["function"], "telemetry::slow");
    assert_eq!(fields["error"], "timed out after 250ms");
    assert_eq!(fields["resilience.policy"], "timeout");
    assert_eq!(fields["message"], "call to telemetry::slow timed out after 250ms");
}

#[test]
fn success_path_emits_nothing_not_even_a_span() {
    let _s = serial();
    let capture = Capture::default();
    let calls = Mutex::new(0);
    assert_eq!(traced(&capture, flaky(0, &calls)), Ok(1));
    let recs = capture.take();
    assert_eq!(recs, [], "a call with nothing to report creates no span");
}

#[test]
fn retry_budget_denial_is_an_event() {
    let _s = serial();
    resile::retry_budget("telemetry-test").reconfigure(RetryBudgetConfig::new().ratio(1.0).min_per_sec(0)).unwrap();
    let capture = Capture::default();
    assert_eq!(traced(&capture, budgeted()), Err(E::Flaky(0)));
    let messages: Vec<(String, Option<String>)> = capture
        .take()
        .into_iter()
        .filter_map(|r| match r {
            Rec::Event { fields, .. } => Some((fields["message"].clone(), fields.get("resilience.name").cloned())),
            Rec::Span { .. } => None,
        })
        .collect();
    assert_eq!(
        messages,
        [
            ("attempt 1 of 5 for telemetry::budgeted failed, retrying in 5ms: flaky attempt 0".into(), None),
            (
                "attempt 2 for telemetry::budgeted failed and is not retried: retry budget `telemetry-test` is \
                 exhausted: flaky attempt 0"
                    .into(),
                Some("telemetry-test".into())
            )
        ]
    );
}

// ---- the Observer hook -----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Retry { function: String, attempt: u32, delay: Duration, error: Option<String> },
    Exhausted { function: String, attempt: u32 },
    Rejected { function: String, rejection: Rejection },
    BudgetExhausted { function: String, budget: String },
    Other,
}

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

struct Recorder;
impl Observer for Recorder {
    fn on_event(&self, event: &Event<'_>) {
        let seen = match *event {
            Event::Retry { function, attempt, delay, error, .. } => {
                Seen::Retry { function: function.to_string(), attempt, delay, error: error.map(ToString::to_string) }
            }
            Event::RetriesExhausted { function, attempt, .. } => {
                Seen::Exhausted { function: function.to_string(), attempt }
            }
            Event::Rejected { function, rejection, .. } => {
                Seen::Rejected { function: function.to_string(), rejection: *rejection }
            }
            Event::RetryBudgetExhausted { function, budget, .. } => {
                Seen::BudgetExhausted { function: function.to_string(), budget: budget.into() }
            }
            _ => Seen::Other,
        };
        SEEN.lock().unwrap().push(seen);
    }
}

fn observed<T>(fut: impl Future<Output = T>) -> (T, Vec<Seen>) {
    SEEN.lock().unwrap().clear();
    set_observer(Recorder);
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    let out = rt.block_on(fut);
    clear_observer();
    (out, std::mem::take(&mut *SEEN.lock().unwrap()))
}

#[test]
fn observer_receives_retries_with_attempt_and_delay() {
    let _s = serial();
    let calls = Mutex::new(0);
    let (r, seen) = observed(flaky(5, &calls));
    assert_eq!(r, Err(E::Flaky(3)));
    let seen: Vec<_> = seen
        .into_iter()
        .map(|s| match s {
            Seen::Retry { function, attempt, delay, .. } => (function, attempt, delay),
            Seen::Exhausted { function, attempt } => (function, attempt, Duration::ZERO),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("telemetry::flaky".into(), 1, ms(100)),
            ("telemetry::flaky".into(), 2, ms(200)),
            ("telemetry::flaky".into(), 3, Duration::ZERO)
        ]
    );
}

#[test]
fn observer_receives_the_retried_error() {
    let _s = serial();
    let calls = Mutex::new(0);
    let (r, seen) = observed(flaky(5, &calls));
    assert_eq!(r, Err(E::Flaky(3)));
    let retry = |attempt, delay, error: &str| Seen::Retry {
        function: "telemetry::flaky".into(),
        attempt,
        delay: ms(delay),
        error: Some(error.into()),
    };
    let exhausted = Seen::Exhausted { function: "telemetry::flaky".into(), attempt: 3 };
    assert_eq!(seen, [retry(1, 100, "flaky attempt 1"), retry(2, 200, "flaky attempt 2"), exhausted]);
}

#[test]
fn observer_sees_no_error_for_a_type_without_display() {
    let _s = serial();
    let (r, seen) = observed(opaque());
    assert!(r == Err(Opaque));
    assert_eq!(
        seen,
        [
            Seen::Retry { function: "telemetry::opaque".into(), attempt: 1, delay: ms(5), error: None },
            Seen::Exhausted { function: "telemetry::opaque".into(), attempt: 2 }
        ]
    );
}

#[test]
fn observer_receives_timeout_rejections() {
    let _s = serial();
    let (r, seen) = observed(slow());
    let rejection = Rejection::TimedOut { after: ms(250) };
    assert_eq!(r, Err(E::Rejected(rejection)));
    assert_eq!(seen, [Seen::Rejected { function: "telemetry::slow".into(), rejection }]);
    // through the runtime value too, named after it
    let (r, seen) = observed(resile::Timeout::new(ms(10)).call(std::future::pending::<Result<(), E>>));
    assert_eq!(r, Err(E::Rejected(Rejection::TimedOut { after: ms(10) })));
    assert_eq!(
        seen,
        [Seen::Rejected { function: "resile::Timeout".into(), rejection: Rejection::TimedOut { after: ms(10) } }]
    );
}

#[test]
fn observer_receives_retry_budget_exhaustion() {
    let _s = serial();
    resile::retry_budget("telemetry-test").reconfigure(RetryBudgetConfig::new().ratio(1.0).min_per_sec(0)).unwrap();
    let (r, seen) = observed(budgeted());
    assert_eq!(r, Err(E::Flaky(0)));
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(matches!(&seen[0], Seen::Retry { attempt: 1, .. }));
    assert_eq!(
        seen[1],
        Seen::BudgetExhausted { function: "telemetry::budgeted".into(), budget: "telemetry-test".into() }
    );
}

#[test]
fn no_observer_no_events_and_success_emits_nothing() {
    let _s = serial();
    let calls = Mutex::new(0);
    let (r, seen) = observed(flaky(0, &calls));
    assert_eq!((r, seen), (Ok(1), vec![]));
    SEEN.lock().unwrap().clear();
    clear_observer();
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    let calls = Mutex::new(0);
    assert_eq!(rt.block_on(flaky(5, &calls)), Err(E::Flaky(3)));
    assert!(SEEN.lock().unwrap().is_empty());
}
