//! Logs a person can use (SPEC §8): the `function` field names the impl type of a method,
//! every event has `resilience.policy`, `resilience.name` where there is one and
//! `resilience.attempt` where it applies, errors are shown by `Display` and never by
//! `Debug`, the levels, and the `WARN` event of a call whose retries ran out. Captured with
//! a small `tracing_subscriber` layer on a paused clock. Every test takes `SERIAL`: the
//! observer is global, and tracing's per-callsite interest cache is shared.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use resile::Rejection;
use resile::telemetry::{Event, Observer, clear_observer, set_observer};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// An error whose `Debug` is not its `Display`, as an `anyhow::Error`'s prints a backtrace.
#[derive(Clone, PartialEq)]
enum DbError {
    Refused,
    NotFound,
    Rejected(Rejection),
}

impl fmt::Debug for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BACKTRACE (Debug must never be logged)")
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Refused => f.write_str("connection refused"),
            DbError::NotFound => f.write_str("not found"),
            DbError::Rejected(r) => write!(f, "rejected: {r}"),
        }
    }
}

impl From<Rejection> for DbError {
    fn from(r: Rejection) -> Self {
        DbError::Rejected(r)
    }
}

// ---- a capturing layer -----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Rec {
    Span { name: String, fields: BTreeMap<String, String> },
    Event { level: tracing::Level, parent: Option<BTreeMap<String, String>>, fields: BTreeMap<String, String> },
}

impl Rec {
    fn event(&self) -> Option<(tracing::Level, &BTreeMap<String, String>)> {
        match self {
            Rec::Event { level, fields, .. } => Some((*level, fields)),
            Rec::Span { .. } => None,
        }
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);
impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

/// Span fields by span id, to give each event its parent's fields.
#[derive(Clone, Default)]
struct Capture {
    recs: Arc<Mutex<Vec<Rec>>>,
    spans: Arc<Mutex<BTreeMap<u64, BTreeMap<String, String>>>>,
}

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut f = Fields::default();
        attrs.record(&mut f);
        self.spans.lock().unwrap().insert(id.into_u64(), f.0.clone());
        self.recs.lock().unwrap().push(Rec::Span { name: attrs.metadata().name().into(), fields: f.0 });
    }
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "resile" {
            return;
        }
        let mut f = Fields::default();
        event.record(&mut f);
        let parent = ctx.event_span(event).and_then(|s| self.spans.lock().unwrap().get(&s.id().into_u64()).cloned());
        self.recs.lock().unwrap().push(Rec::Event { level: *event.metadata().level(), parent, fields: f.0 });
    }
}

impl Capture {
    fn take(&self) -> Vec<Rec> {
        let recs = std::mem::take(&mut *self.recs.lock().unwrap());
        let all = format!("{recs:?}");
        assert!(!all.contains("BACKTRACE"), "an error's Debug was logged: {all}");
        recs
    }
}

/// Runs `fut` on a current-thread runtime with a paused clock, `capture` as the subscriber.
fn traced<T>(capture: &Capture, fut: impl Future<Output = T>) -> T {
    let subscriber = Registry::default().with(capture.clone());
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    tracing::subscriber::with_default(subscriber, || rt.block_on(fut))
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

// ---- guarded functions -----------------------------------------------------------------------

/// Two impl types with a method of the same name, in one module.
struct Orders {
    calls: Mutex<u32>,
}

struct Invoices;

impl Orders {
    fn new() -> Self {
        Orders { calls: Mutex::new(0) }
    }

    /// Fails until its third attempt; each attempt takes 10 ms.
    #[resile::retry(max = 3, backoff = "constant", base_delay = "100ms", jitter = "none")]
    async fn get(&self, fail_until: u32) -> Result<u32, DbError> {
        tokio::time::sleep(ms(10)).await;
        let n = {
            let mut calls = self.calls.lock().unwrap();
            *calls += 1;
            *calls
        };
        if n <= fail_until { Err(DbError::Refused) } else { Ok(n) }
    }

    /// An associated fn with `Self` in its signature: its impl type is known.
    #[resile::timeout("50ms")]
    async fn open() -> Result<Self, DbError> {
        tokio::time::sleep(ms(100)).await;
        Ok(Orders::new())
    }

    /// An associated fn with neither a receiver nor `Self` in its signature: it cannot be
    /// told from a free fn, so it is named by its path.
    #[resile::timeout("50ms")]
    async fn count() -> Result<u32, DbError> {
        tokio::time::sleep(ms(100)).await;
        Ok(0)
    }

    /// `self: Arc<Self>` is a receiver too.
    #[resile::timeout("50ms")]
    async fn shared(self: Arc<Self>) -> Result<u32, DbError> {
        tokio::time::sleep(ms(100)).await;
        Ok(*self.calls.lock().unwrap())
    }
}

/// A generic impl type: shown without its generic arguments.
struct Repo<T>(T);

impl<T: Sync> Repo<T> {
    #[resile::timeout("50ms")]
    async fn find(&self) -> Result<u32, DbError> {
        tokio::time::sleep(ms(100)).await;
        Ok(0)
    }
}

/// A method of a trait impl.
trait Load {
    async fn load(&self) -> Result<u32, DbError>;
}

impl Load for Invoices {
    #[resile::timeout("50ms")]
    async fn load(&self) -> Result<u32, DbError> {
        tokio::time::sleep(ms(100)).await;
        Ok(0)
    }
}

impl Invoices {
    #[resile::retry(max = 2, backoff = "constant", base_delay = "100ms", jitter = "none")]
    async fn get(&self) -> Result<u32, DbError> {
        Err(DbError::Refused)
    }
}

fn not_found(e: &DbError) -> bool {
    *e != DbError::NotFound
}

#[resile::retry(max = 3, base_delay = "100ms", jitter = "none", retry_if = not_found)]
async fn lookup() -> Result<u32, DbError> {
    Err(DbError::NotFound)
}

#[resile::retry(max = 1)]
async fn once() -> Result<u32, DbError> {
    Err(DbError::Refused)
}

#[resile::circuit_breaker(name = "logs-db", window_size = 2, minimum_calls = 2, open_timeout = "1s")]
async fn breaking(fail: bool) -> Result<(), DbError> {
    if fail { Err(DbError::Refused) } else { Ok(()) }
}

#[resile::hedge(delay = "20ms", name = "logs-hedge", token_max = 10)]
async fn hedged(n: &Mutex<u32>) -> Result<u32, DbError> {
    let attempt = {
        let mut n = n.lock().unwrap();
        *n += 1;
        *n
    };
    tokio::time::sleep(if attempt == 1 { ms(100) } else { ms(10) }).await;
    Ok(attempt)
}

// ---- tests -----------------------------------------------------------------------------------

#[test]
fn methods_are_named_by_their_impl_type_in_the_span_and_every_event() {
    let _s = serial();
    let capture = Capture::default();
    assert_eq!(traced(&capture, Orders::new().get(1)), Ok(2));
    assert_eq!(traced(&capture, Invoices.get()), Err(DbError::Refused));
    let recs = capture.take();
    let spans: Vec<_> = recs
        .iter()
        .filter_map(|r| match r {
            Rec::Span { name, fields } if name == "resile" => Some(fields["function"].as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(spans, ["Orders::get", "Invoices::get"]);
    let functions: Vec<_> = recs.iter().filter_map(Rec::event).map(|(_, f)| f["function"].as_str()).collect();
    assert_eq!(functions, ["Orders::get", "Invoices::get", "Invoices::get"]);
    for r in &recs {
        if let Rec::Event { parent, fields, .. } = r {
            assert_eq!(parent.as_ref().map(|p| &p["function"]), Some(&fields["function"]), "{r:?}");
        }
    }
}

#[test]
fn a_retry_is_a_debug_event_with_the_error_by_display() {
    let _s = serial();
    let capture = Capture::default();
    assert_eq!(traced(&capture, Orders::new().get(1)), Ok(2));
    let recs = capture.take();
    let events: Vec<_> = recs.iter().filter_map(Rec::event).collect();
    assert_eq!(
        events,
        [(
            tracing::Level::DEBUG,
            &fields(&[
                ("message", "attempt 1 of 3 for Orders::get failed, retrying in 100ms: connection refused"),
                ("function", "Orders::get"),
                ("resilience.policy", "retry"),
                ("resilience.attempt", "1"),
                ("delay_ms", "100"),
                ("error", "connection refused"),
            ])
        )]
    );
}

#[test]
fn retries_exhausted_is_a_warn_event_with_the_last_attempt_and_elapsed() {
    let _s = serial();
    let capture = Capture::default();
    assert_eq!(traced(&capture, Orders::new().get(5)), Err(DbError::Refused));
    let recs = capture.take();
    let events: Vec<_> = recs.iter().filter_map(Rec::event).collect();
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(events[..2].iter().all(|(level, f)| *level == tracing::Level::DEBUG && f.contains_key("delay_ms")));
    // Attempts end at 10, 120 and 230 ms (10 ms each, 100 ms sleeps): 220 ms from the first
    // failure to the last.
    assert_eq!(
        events[2],
        (
            tracing::Level::WARN,
            &fields(&[
                (
                    "message",
                    "retries exhausted for Orders::get after 3 attempts (220ms since the first failed): \
                     connection refused"
                ),
                ("function", "Orders::get"),
                ("resilience.policy", "retry"),
                ("resilience.attempt", "3"),
                ("attempts", "3"),
                ("elapsed_ms", "220"),
                ("error", "connection refused"),
            ])
        )
    );
}

#[test]
fn one_attempt_has_no_retries_to_exhaust() {
    let _s = serial();
    let capture = Capture::default();
    assert_eq!(traced(&capture, once()), Err(DbError::Refused));
    assert_eq!(capture.take(), []);
}

#[test]
fn an_error_retry_if_refuses_is_a_debug_event() {
    let _s = serial();
    let capture = Capture::default();
    assert_eq!(traced(&capture, lookup()), Err(DbError::NotFound));
    let recs = capture.take();
    let events: Vec<_> = recs.iter().filter_map(Rec::event).collect();
    assert_eq!(
        events,
        [(
            tracing::Level::DEBUG,
            &fields(&[
                ("message", "attempt 1 of 3 for logs::lookup failed with an error retry_if does not retry: not found"),
                ("function", "logs::lookup"),
                ("resilience.policy", "retry"),
                ("resilience.attempt", "1"),
                ("error", "not found"),
            ])
        )]
    );
}

#[test]
fn breaker_open_is_warn_other_transitions_info_and_rejections_name_the_breaker() {
    let _s = serial();
    let capture = Capture::default();
    traced(&capture, async {
        for _ in 0..2 {
            assert_eq!(breaking(true).await, Err(DbError::Refused));
        }
        let refused = Rejection::CircuitOpen { name: "logs-db" };
        assert_eq!(breaking(false).await, Err(DbError::Rejected(refused)));
        tokio::time::sleep(ms(1001)).await;
        assert_eq!(breaking(false).await, Ok(()));
    });
    let recs = capture.take();
    let events: Vec<_> = recs.iter().filter_map(Rec::event).collect();
    let change = |level, from: &str, to: &str| {
        let message = format!("circuit breaker `logs-db`: {from} -> {to}");
        (
            level,
            fields(&[
                ("message", message.as_str()),
                ("resilience.policy", "circuit_breaker"),
                ("resilience.name", "logs-db"),
                ("from", from),
                ("to", to),
            ]),
        )
    };
    let rejected = (
        tracing::Level::DEBUG,
        fields(&[
            ("message", "call to logs::breaking refused: circuit breaker `logs-db` is open"),
            ("function", "logs::breaking"),
            ("resilience.policy", "circuit_breaker"),
            ("resilience.name", "logs-db"),
            ("error", "circuit breaker `logs-db` is open"),
        ]),
    );
    let owned: Vec<_> = events.into_iter().map(|(l, f)| (l, f.clone())).collect();
    assert_eq!(
        owned,
        [
            change(tracing::Level::WARN, "closed", "open"),
            rejected,
            change(tracing::Level::INFO, "open", "half_open"),
            change(tracing::Level::INFO, "half_open", "closed"),
        ]
    );
}

#[test]
fn timeouts_name_the_impl_type_where_self_is_in_the_signature() {
    let _s = serial();
    let capture = Capture::default();
    traced(&capture, async {
        assert!(Orders::open().await.is_err());
        assert!(Orders::count().await.is_err());
        assert!(Arc::new(Orders::new()).shared().await.is_err());
        assert!(Repo(vec![1u8]).find().await.is_err());
        assert!(Invoices.load().await.is_err());
    });
    let recs = capture.take();
    let events: Vec<_> = recs.iter().filter_map(Rec::event).map(|(_, f)| f.clone()).collect();
    let timed_out = |function: &str| {
        let message = format!("call to {function} timed out after 50ms");
        fields(&[
            ("message", message.as_str()),
            ("function", function),
            ("resilience.policy", "timeout"),
            ("error", "timed out after 50ms"),
        ])
    };
    assert_eq!(
        events,
        [
            timed_out("Orders::open"),
            timed_out("logs::count"),
            timed_out("Orders::shared"),
            timed_out("Repo::find"),
            timed_out("Invoices::load"),
        ]
    );
}

#[test]
fn hedge_events_name_the_tracker_and_the_attempt() {
    let _s = serial();
    let capture = Capture::default();
    let n = Mutex::new(0);
    assert_eq!(traced(&capture, hedged(&n)), Ok(2));
    let recs = capture.take();
    let events: Vec<_> = recs.iter().filter_map(Rec::event).map(|(l, f)| (l, f.clone())).collect();
    let hedge = |message: &str| {
        (
            tracing::Level::DEBUG,
            fields(&[
                ("message", message),
                ("function", "logs::hedged"),
                ("resilience.policy", "hedge"),
                ("resilience.name", "logs-hedge"),
                ("resilience.attempt", "2"),
            ]),
        )
    };
    assert_eq!(
        events,
        [hedge("hedge: attempt 2 of logs::hedged started"), hedge("hedge: attempt 2 of logs::hedged won")]
    );
}

// ---- the Observer hook -----------------------------------------------------------------------

static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Recorder;
impl Observer for Recorder {
    fn on_event(&self, event: &Event<'_>) {
        let seen = match *event {
            Event::Retry { function, attempt, error, .. } => {
                format!("retry {function} {attempt} {}", error.map(ToString::to_string).unwrap_or_default())
            }
            Event::RetriesExhausted { function, attempt, elapsed, error, .. } => format!(
                "exhausted {function} {attempt} {elapsed:?} {}",
                error.map(ToString::to_string).unwrap_or_default()
            ),
            Event::StateChange { name, to, .. } => format!("state {name} {to}"),
            _ => format!("{event:?}"),
        };
        SEEN.lock().unwrap().push(seen);
    }
}

#[test]
fn the_observer_sees_the_same_names_and_errors() {
    let _s = serial();
    SEEN.lock().unwrap().clear();
    set_observer(Recorder);
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    assert_eq!(rt.block_on(Orders::new().get(5)), Err(DbError::Refused));
    assert_eq!(rt.block_on(Invoices.get()), Err(DbError::Refused));
    assert_eq!(rt.block_on(lookup()), Err(DbError::NotFound));
    clear_observer();
    let seen = std::mem::take(&mut *SEEN.lock().unwrap());
    assert_eq!(
        seen,
        [
            "retry Orders::get 1 connection refused",
            "retry Orders::get 2 connection refused",
            "exhausted Orders::get 3 220ms connection refused",
            "retry Invoices::get 1 connection refused",
            "exhausted Invoices::get 2 100ms connection refused",
            "NotRetryable { function: \"logs::lookup\", attempt: 1, max: 3, error: Some(\"not found\") }",
        ]
    );
    assert!(!seen.concat().contains("BACKTRACE"));
}
