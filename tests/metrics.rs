//! Metrics (SPEC §8, cargo feature `metrics`, on for this package's tests): every metric
//! with its exact name, kind and labels, recorded through real annotated functions on a
//! paused clock, into a recorder installed once for this test binary. Each test uses
//! functions and instance names of its own, so tests running in parallel do not share a
//! series; values are read without resetting them.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_util::registry::{AtomicStorage, Registry};
use resile::Rejection;
use resile::telemetry::metrics as m;

#[derive(Debug, Clone, PartialEq)]
enum E {
    Down,
    Rejected(Rejection),
}
impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}

// ---- a recorder whose values can be read without resetting them ------------------------------

struct Recording {
    registry: Registry<Key, AtomicStorage>,
    units: Mutex<HashMap<String, Option<Unit>>>,
}

impl Recorder for &'static Recording {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.units.lock().unwrap().insert(format!("counter {}", key.as_str()), unit);
    }
    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.units.lock().unwrap().insert(format!("gauge {}", key.as_str()), unit);
    }
    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        self.units.lock().unwrap().insert(format!("histogram {}", key.as_str()), unit);
    }
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        self.registry.get_or_create_counter(key, |c| Counter::from_arc(c.clone()))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        self.registry.get_or_create_gauge(key, |g| Gauge::from_arc(g.clone()))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        self.registry.get_or_create_histogram(key, |h| Histogram::from_arc(h.clone()))
    }
}

fn recording() -> &'static Recording {
    static RECORDING: OnceLock<&'static Recording> = OnceLock::new();
    RECORDING.get_or_init(|| {
        let r: &'static Recording =
            Box::leak(Box::new(Recording { registry: Registry::atomic(), units: Mutex::new(HashMap::new()) }));
        metrics::set_global_recorder(r).expect("the only recorder of this binary");
        r
    })
}

type Labels<'a> = &'a [(&'a str, &'a str)];

fn matches(key: &Key, name: &str, labels: Labels<'_>) -> bool {
    let have: BTreeMap<&str, &str> = key.labels().map(|l| (l.key(), l.value())).collect();
    let want: BTreeMap<&str, &str> = labels.iter().copied().collect();
    key.name() == name && have == want
}

/// The counter `name` with exactly `labels`, `None` if it was never registered.
fn counter(name: &str, labels: Labels<'_>) -> Option<u64> {
    let handles = recording().registry.get_counter_handles();
    handles.iter().find(|(k, _)| matches(k, name, labels)).map(|(_, c)| c.load(Ordering::SeqCst))
}

fn gauge(name: &str, labels: Labels<'_>) -> Option<f64> {
    let handles = recording().registry.get_gauge_handles();
    handles.iter().find(|(k, _)| matches(k, name, labels)).map(|(_, g)| f64::from_bits(g.load(Ordering::SeqCst)))
}

fn histogram(name: &str, labels: Labels<'_>) -> Option<Vec<f64>> {
    let handles = recording().registry.get_histogram_handles();
    handles.iter().find(|(k, _)| matches(k, name, labels)).map(|(_, h)| h.data())
}

/// The `function` label of a free fn of this file.
fn function(name: &str) -> String {
    format!("{}::{name}", module_path!())
}

fn calls(f: &str, outcome: &str) -> Option<u64> {
    counter(m::CALLS_TOTAL, &[("function", &function(f)), ("outcome", outcome)])
}

// ---- retries -------------------------------------------------------------------------------

#[resile::retry(max = 3, backoff = "constant", base_delay = "10ms", jitter = "none")]
async fn fails_once(n: &Mutex<u32>) -> Result<u32, E> {
    let mut n = n.lock().unwrap();
    *n += 1;
    if *n == 1 { Err(E::Down) } else { Ok(*n) }
}

#[tokio::test(start_paused = true)]
async fn a_retried_call_counts_one_retry_one_success_and_its_whole_duration() {
    recording();
    assert_eq!(fails_once(&Mutex::new(0)).await, Ok(2));
    let f = function("fails_once");
    assert_eq!(counter(m::RETRIES_TOTAL, &[("function", &f)]), Some(1));
    assert_eq!(calls("fails_once", "success"), Some(1));
    assert_eq!(calls("fails_once", "failure"), Some(0));
    assert_eq!(calls("fails_once", "rejected"), Some(0));
    // The paused clock: exactly the one backoff sleep.
    assert_eq!(histogram(m::CALL_DURATION_SECONDS, &[("function", &f)]), Some(vec![0.010]));
}

#[resile::retry(max = 2, backoff = "constant", base_delay = "5ms", jitter = "none")]
async fn always_down() -> Result<(), E> {
    Err(E::Down)
}

#[tokio::test(start_paused = true)]
async fn an_exhausted_retry_counts_as_a_failure() {
    recording();
    assert_eq!(always_down().await, Err(E::Down));
    let f = function("always_down");
    assert_eq!(counter(m::RETRIES_TOTAL, &[("function", &f)]), Some(1));
    assert_eq!(counter(m::RETRIES_EXHAUSTED_TOTAL, &[("function", &f)]), Some(1));
    assert_eq!(calls("always_down", "failure"), Some(1));
    assert_eq!(calls("always_down", "rejected"), Some(0));
}

// ---- methods of generic impls and trait default methods -------------------------------------

struct Shelf<T>(std::marker::PhantomData<T>);

impl<T> Shelf<T> {
    #[resile::timeout("1s")]
    async fn take(&self) -> Result<(), E> {
        Ok(())
    }
}

trait Catalog {
    #[resile::timeout("1s")]
    async fn list(&self) -> Result<(), E> {
        Ok(())
    }
}

struct Books;
struct Films;
impl Catalog for Books {}
impl Catalog for Films {}

/// One expansion, one `static` meter, for every instantiation and implementor: the series
/// follow the `function` label, one for `Shelf<u8>` and `Shelf<u16>`, one each for `Books`
/// and `Films`, whatever order the calls come in.
#[tokio::test(start_paused = true)]
async fn a_generic_method_counts_into_the_series_of_its_label() {
    recording();
    let (bytes, words) = (Shelf::<u8>(std::marker::PhantomData), Shelf::<u16>(std::marker::PhantomData));
    for _ in 0..3 {
        bytes.take().await.unwrap();
        words.take().await.unwrap();
        Books.list().await.unwrap();
        Films.list().await.unwrap();
        Books.list().await.unwrap();
    }
    let calls = |f: &str| counter(m::CALLS_TOTAL, &[("function", f), ("outcome", "success")]);
    assert_eq!(calls("Shelf::take"), Some(6));
    assert_eq!((calls("Books::list"), calls("Films::list")), (Some(6), Some(3)));
    assert_eq!(histogram(m::CALL_DURATION_SECONDS, &[("function", "Films::list")]).map(|h| h.len()), Some(3));
}

// ---- circuit breaker -----------------------------------------------------------------------

#[resile::circuit_breaker(name = "metrics-cb", window_size = 2, minimum_calls = 2, open_timeout = "1s")]
async fn guarded_by_breaker(fail: bool) -> Result<(), E> {
    if fail { Err(E::Down) } else { Ok(()) }
}

#[tokio::test(start_paused = true)]
async fn an_opening_breaker_sets_its_state_counts_the_transition_and_its_rejections() {
    recording();
    assert_eq!(guarded_by_breaker(true).await, Err(E::Down));
    assert_eq!(guarded_by_breaker(true).await, Err(E::Down));
    assert!(matches!(guarded_by_breaker(false).await, Err(E::Rejected(Rejection::CircuitOpen { .. }))));
    assert_eq!(gauge(m::CIRCUIT_BREAKER_STATE, &[("name", "metrics-cb")]), Some(1.0));
    let transition = [("name", "metrics-cb"), ("from", "closed"), ("to", "open")];
    assert_eq!(counter(m::CIRCUIT_BREAKER_TRANSITIONS_TOTAL, &transition), Some(1));
    let rejection = [("policy", "circuit_breaker"), ("name", "metrics-cb"), ("reason", "circuit_open")];
    assert_eq!(counter(m::REJECTIONS_TOTAL, &rejection), Some(1));
    assert_eq!(calls("guarded_by_breaker", "failure"), Some(2));
    assert_eq!(calls("guarded_by_breaker", "rejected"), Some(1));

    // Half-open after `open_timeout`: the state gauge follows.
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(guarded_by_breaker(false).await, Ok(()));
    assert_eq!(gauge(m::CIRCUIT_BREAKER_STATE, &[("name", "metrics-cb")]), Some(0.0));
    let closed = [("name", "metrics-cb"), ("from", "half_open"), ("to", "closed")];
    assert_eq!(counter(m::CIRCUIT_BREAKER_TRANSITIONS_TOTAL, &closed), Some(1));
}

#[resile::circuit_breaker(name = "metrics-cb-healthy")]
async fn healthy() -> Result<(), E> {
    Ok(())
}

/// A breaker shows its state from its creation, not from its first transition: a healthy one
/// shows 0 (closed).
#[tokio::test(start_paused = true)]
async fn a_breaker_that_never_tripped_shows_closed() {
    recording();
    assert_eq!(healthy().await, Ok(()));
    assert_eq!(gauge(m::CIRCUIT_BREAKER_STATE, &[("name", "metrics-cb-healthy")]), Some(0.0));
    // One an operator created by forcing it open shows that from the start too.
    resile::circuit_breaker("metrics-cb-forced").force_open();
    assert_eq!(gauge(m::CIRCUIT_BREAKER_STATE, &[("name", "metrics-cb-forced")]), Some(3.0));
}

// ---- hedge ---------------------------------------------------------------------------------

#[resile::hedge(name = "metrics-hedge", delay = "10ms", max_requests = 2)]
async fn slow_first(attempts: &Mutex<u32>) -> Result<u32, E> {
    let attempt = {
        let mut n = attempts.lock().unwrap();
        *n += 1;
        *n
    };
    if attempt == 1 {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(attempt)
}

#[tokio::test(start_paused = true)]
async fn a_hedge_that_fires_and_wins_is_counted_twice() {
    recording();
    assert_eq!(slow_first(&Mutex::new(0)).await, Ok(2));
    assert_eq!(counter(m::HEDGES_TOTAL, &[("name", "metrics-hedge"), ("result", "fired")]), Some(1));
    assert_eq!(counter(m::HEDGES_TOTAL, &[("name", "metrics-hedge"), ("result", "won")]), Some(1));
    assert_eq!(calls("slow_first", "success"), Some(1));
    assert_eq!(histogram(m::CALL_DURATION_SECONDS, &[("function", &function("slow_first"))]), Some(vec![0.010]));
}

// ---- bulkhead ------------------------------------------------------------------------------

#[resile::bulkhead(name = "metrics-bulkhead", max_concurrent = 2)]
async fn holds(weight: Duration) -> Result<(), E> {
    tokio::time::sleep(weight).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_full_bulkhead_rejects_and_its_gauges_follow_the_permits() {
    recording();
    let name = [("name", "metrics-bulkhead")];
    let (a, b) = (holds(Duration::from_secs(1)), holds(Duration::from_secs(1)));
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    assert!(futures::poll!(&mut a).is_pending());
    assert!(futures::poll!(&mut b).is_pending());
    assert_eq!(gauge(m::BULKHEAD_IN_USE, &name), Some(2.0));
    assert_eq!(gauge(m::BULKHEAD_WAITING, &name), Some(0.0));
    assert!(matches!(holds(Duration::ZERO).await, Err(E::Rejected(Rejection::BulkheadFull { .. }))));
    let rejection = [("policy", "bulkhead"), ("name", "metrics-bulkhead"), ("reason", "bulkhead_full")];
    assert_eq!(counter(m::REJECTIONS_TOTAL, &rejection), Some(1));
    assert_eq!(calls("holds", "rejected"), Some(1));
    // A cancelled call gives its permit back, and the gauge says so.
    drop(a);
    assert_eq!(gauge(m::BULKHEAD_IN_USE, &name), Some(1.0));
    assert_eq!(b.await, Ok(()));
    assert_eq!(gauge(m::BULKHEAD_IN_USE, &name), Some(0.0));
}

#[resile::bulkhead(name = "metrics-queue", max_concurrent = 1, max_wait = "1s")]
async fn queued(hold: Duration) -> Result<(), E> {
    tokio::time::sleep(hold).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_call_that_waits_in_a_bulkhead_is_timed() {
    recording();
    let name = [("name", "metrics-queue")];
    let mut first = Box::pin(queued(Duration::from_millis(30)));
    assert!(futures::poll!(&mut first).is_pending());
    let mut second = Box::pin(queued(Duration::ZERO));
    assert!(futures::poll!(&mut second).is_pending());
    assert_eq!(gauge(m::BULKHEAD_WAITING, &name), Some(1.0));
    let (a, b) = tokio::join!(first, second);
    assert_eq!((a, b), (Ok(()), Ok(())));
    assert_eq!(gauge(m::BULKHEAD_WAITING, &name), Some(0.0));
    assert_eq!(histogram(m::BULKHEAD_WAIT_SECONDS, &name), Some(vec![0.030]));
}

// ---- rate limit ----------------------------------------------------------------------------

#[resile::rate_limit(name = "metrics-limiter", rate = 2.0, burst_size = 2.0)]
async fn limited() -> Result<(), E> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_call_is_a_rejection_and_the_tokens_gauge_follows_decisions() {
    recording();
    let name = [("name", "metrics-limiter")];
    assert_eq!(limited().await, Ok(()));
    assert_eq!(gauge(m::RATE_LIMITER_TOKENS, &name), Some(1.0));
    assert_eq!(limited().await, Ok(()));
    assert_eq!(gauge(m::RATE_LIMITER_TOKENS, &name), Some(0.0));
    assert!(matches!(limited().await, Err(E::Rejected(Rejection::RateLimited { .. }))));
    let rejection = [("policy", "rate_limit"), ("name", "metrics-limiter"), ("reason", "rate_limited")];
    assert_eq!(counter(m::REJECTIONS_TOTAL, &rejection), Some(1));
    assert_eq!((calls("limited", "success"), calls("limited", "rejected")), (Some(2), Some(1)));
    tokio::time::advance(Duration::from_millis(250)).await;
    assert_eq!(
        limited().await,
        Err(E::Rejected(Rejection::RateLimited { name: "metrics-limiter", retry_after: Duration::from_millis(250) }))
    );
    assert_eq!(gauge(m::RATE_LIMITER_TOKENS, &name), Some(0.5));
}

// ---- timeout -------------------------------------------------------------------------------

#[resile::timeout("50ms")]
async fn too_slow() -> Result<(), E> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_call_is_rejected_after_exactly_its_timeout() {
    recording();
    assert!(matches!(too_slow().await, Err(E::Rejected(Rejection::TimedOut { .. }))));
    let rejection = [("policy", "timeout"), ("name", ""), ("reason", "timed_out")];
    assert!(counter(m::REJECTIONS_TOTAL, &rejection).is_some_and(|n| n >= 1));
    assert_eq!(calls("too_slow", "rejected"), Some(1));
    assert_eq!(calls("too_slow", "failure"), Some(0));
    assert_eq!(histogram(m::CALL_DURATION_SECONDS, &[("function", &function("too_slow"))]), Some(vec![0.050]));
}

// ---- a refusal retried into a body failure is a failure ----------------------------------------

#[resile::retry(max = 2, backoff = "constant", base_delay = "1s", jitter = "none", allow = "retry_into_rate_limit")]
#[resile::rate_limit(name = "metrics-retried-limiter", rate = 1.0, burst_size = 1.0)]
async fn refused_then_down(first: &Mutex<bool>) -> Result<(), E> {
    let mut first = first.lock().unwrap();
    if *first {
        *first = false;
        return Ok(());
    }
    Err(E::Down)
}

#[tokio::test(start_paused = true)]
async fn the_outcome_is_the_last_attempts() {
    recording();
    let flag = Mutex::new(true);
    assert_eq!(refused_then_down(&flag).await, Ok(()));
    // The limiter is empty: attempt 1 is refused, attempt 2 (1 s later) runs and fails.
    assert_eq!(refused_then_down(&flag).await, Err(E::Down));
    assert_eq!(calls("refused_then_down", "failure"), Some(1));
    assert_eq!(calls("refused_then_down", "rejected"), Some(0));
}

// ---- configuration -------------------------------------------------------------------------

#[resile::circuit_breaker(name = "metrics-config", window_size = 7, minimum_calls = 5, failure_rate_threshold = 0.25)]
async fn configured() -> Result<(), E> {
    Ok(())
}

#[resile::circuit_breaker(name = "metrics-referenced")]
async fn referenced() -> Result<(), E> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn config_gauges_follow_declaration_and_reconfiguration_with_their_source() {
    recording();
    assert_eq!(configured().await, Ok(()));
    let key = |key: &'static str, source: &'static str| {
        [("policy", "circuit_breaker"), ("name", "metrics-config"), ("key", key), ("source", source)]
    };
    assert_eq!(gauge(m::CONFIG, &key("window_size", "declared")), Some(7.0));
    assert_eq!(gauge(m::CONFIG, &key("failure_rate_threshold", "declared")), Some(0.25));
    // Durations in seconds.
    assert_eq!(gauge(m::CONFIG, &key("open_timeout", "declared")), Some(60.0));

    let handle = resile::circuit_breaker("metrics-config");
    handle.reconfigure(handle.config().unwrap().window_size(20)).unwrap();
    assert_eq!(gauge(m::CONFIG, &key("window_size", "live")), Some(20.0));
    assert!(gauge(m::CONFIG, &key("window_size", "declared")).unwrap().is_nan(), "one source has values");
    // A refused reconfiguration changes nothing.
    assert!(handle.reconfigure(handle.config().unwrap().window_size(0)).is_err());
    assert_eq!(gauge(m::CONFIG, &key("window_size", "live")), Some(20.0));

    assert_eq!(referenced().await, Ok(()));
    let default =
        [("policy", "circuit_breaker"), ("name", "metrics-referenced"), ("key", "window_size"), ("source", "default")];
    assert_eq!(gauge(m::CONFIG, &default), Some(100.0));
}

/// An optional key that goes back to unset (the burst back to its default, the rate) leaves
/// no value behind: its series of that source is NaN, as a series of a source no longer in
/// force is.
#[tokio::test(start_paused = true)]
async fn a_config_gauge_of_a_key_back_to_unset_has_no_value() {
    use resile::rate_limit::{RateLimitConfig, RateLimiter};
    recording();
    RateLimiter::named("metrics-burst", RateLimitConfig::new(10.0).burst_size(20.0));
    let key = |key: &'static str, source: &'static str| {
        [("policy", "rate_limit"), ("name", "metrics-burst"), ("key", key), ("source", source)]
    };
    assert_eq!(gauge(m::CONFIG, &key("burst_size", "declared")), Some(20.0));
    let handle = resile::rate_limiter("metrics-burst");
    handle.reconfigure(RateLimitConfig::new(10.0).burst_size(30.0)).unwrap();
    assert_eq!(gauge(m::CONFIG, &key("burst_size", "live")), Some(30.0));
    handle.reconfigure(RateLimitConfig::new(10.0)).unwrap();
    assert!(gauge(m::CONFIG, &key("burst_size", "live")).unwrap().is_nan(), "no burst is set");
    assert!(gauge(m::CONFIG, &key("burst_size", "declared")).unwrap().is_nan());
    assert_eq!(gauge(m::CONFIG, &key("rate", "live")), Some(10.0));
    // Set again, it shows again.
    handle.reconfigure(RateLimitConfig::new(10.0).burst_size(40.0)).unwrap();
    assert_eq!(gauge(m::CONFIG, &key("burst_size", "live")), Some(40.0));
}

#[test]
fn every_metric_is_described_with_its_unit() {
    recording();
    // Descriptions go to a recorder when resile first records to it.
    m::key_evicted("circuit_breaker", "metrics-evicted");
    assert_eq!(counter(m::KEYS_EVICTED_TOTAL, &[("policy", "circuit_breaker"), ("name", "metrics-evicted")]), Some(1));
    let units = recording().units.lock().unwrap().clone();
    let kinds = [
        ("counter", m::CALLS_TOTAL, Some(Unit::Count)),
        ("histogram", m::CALL_DURATION_SECONDS, Some(Unit::Seconds)),
        ("counter", m::RETRIES_TOTAL, Some(Unit::Count)),
        ("counter", m::RETRIES_EXHAUSTED_TOTAL, Some(Unit::Count)),
        ("counter", m::REJECTIONS_TOTAL, Some(Unit::Count)),
        ("gauge", m::CIRCUIT_BREAKER_STATE, Some(Unit::Count)),
        ("counter", m::CIRCUIT_BREAKER_TRANSITIONS_TOTAL, Some(Unit::Count)),
        ("counter", m::HEDGES_TOTAL, Some(Unit::Count)),
        ("gauge", m::BULKHEAD_IN_USE, Some(Unit::Count)),
        ("gauge", m::BULKHEAD_WAITING, Some(Unit::Count)),
        ("histogram", m::BULKHEAD_WAIT_SECONDS, Some(Unit::Seconds)),
        ("gauge", m::RATE_LIMITER_TOKENS, Some(Unit::Count)),
        ("gauge", m::CONFIG, None),
        ("counter", m::KEYS_EVICTED_TOTAL, Some(Unit::Count)),
        ("counter", m::CHAOS_INJECTED_TOTAL, Some(Unit::Count)),
    ];
    assert_eq!(kinds.len(), m::NAMES.len());
    for (kind, name, unit) in kinds {
        assert!(m::NAMES.contains(&name));
        assert_eq!(units.get(&format!("{kind} {name}")), Some(&unit), "{kind} {name}");
    }
}

// ---- Prometheus, scraped over loopback -----------------------------------------------------------

#[resile::retry(max = 2, backoff = "constant", base_delay = "1ms", jitter = "none")]
async fn scraped() -> Result<(), E> {
    Ok(())
}

#[tokio::test]
async fn the_prometheus_exporter_serves_resile_metrics() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &[0.001, 0.01, 0.1, 1.0])
        .unwrap()
        .build_recorder();
    let handle = recorder.handle();
    // This thread's recorder (the test runtime is single-threaded); other tests keep theirs.
    let _local = metrics::set_default_local_recorder(&recorder);
    assert_eq!(scraped().await, Ok(()));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 1024];
        let _ = socket.read(&mut request).await.unwrap();
        let body = handle.render();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(body.as_bytes()).await.unwrap();
    };
    let client = async move {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /metrics HTTP/1.1\r\nhost: localhost\r\n\r\n").await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    };
    let ((), response) = tokio::join!(server, client);
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    let f = function("scraped");
    assert!(response.contains("# TYPE resile_calls_total counter"), "{response}");
    assert!(response.contains(&format!("resile_calls_total{{function=\"{f}\",outcome=\"success\"}} 1")), "{response}");
    assert!(response.contains("# TYPE resile_call_duration_seconds histogram"), "{response}");
    assert!(response.contains(&format!("resile_call_duration_seconds_count{{function=\"{f}\"}} 1")), "{response}");
}

// ---- the dashboard ----------------------------------------------------------------------------

#[test]
fn the_dashboard_is_json_and_queries_only_resile_metrics() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/dashboards/resile.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let mut queried = Vec::new();
    fn exprs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    match (k.as_str(), v) {
                        ("expr", serde_json::Value::String(e)) => out.push(e.clone()),
                        _ => exprs(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| exprs(v, out)),
            _ => {}
        }
    }
    exprs(&dashboard, &mut queried);
    assert!(queried.len() >= 7, "{queried:?}");
    let mut used = std::collections::BTreeSet::new();
    for expr in &queried {
        for word in expr.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if let Some(name) = word.strip_prefix("resile_") {
                let name = format!("resile_{name}");
                // A histogram's series as Prometheus names them.
                let base = ["_bucket", "_sum", "_count"]
                    .iter()
                    .fold(name.clone(), |n, s| n.strip_suffix(s).unwrap_or(&n).to_owned());
                assert!(m::NAMES.contains(&base.as_str()), "`{name}` in `{expr}` is not a metric of SPEC §8");
                used.insert(base);
            }
        }
    }
    for wanted in [
        m::CIRCUIT_BREAKER_STATE,
        m::REJECTIONS_TOTAL,
        m::RETRIES_TOTAL,
        m::HEDGES_TOTAL,
        m::BULKHEAD_IN_USE,
        m::RATE_LIMITER_TOKENS,
        m::CALL_DURATION_SECONDS,
    ] {
        assert!(used.contains(wanted), "the dashboard shows `{wanted}`");
    }
}

// ---- an early `return` or `?` in the body is still a counted call ----------------------------

fn down() -> Result<u32, E> {
    Err(E::Down)
}

#[resile::bulkhead(name = "metrics-early-bulkhead", max_concurrent = 2)]
#[resile::rate_limit(name = "metrics-early-limiter", rate = 1000.0)]
async fn returns_early(fail: bool) -> Result<u32, E> {
    if !fail {
        return Ok(1);
    }
    let n = down()?;
    Ok(n + 1)
}

#[tokio::test(start_paused = true)]
async fn a_call_that_returns_early_from_its_body_is_counted() {
    recording();
    let (before_ok, before_err) =
        (calls("returns_early", "success").unwrap_or(0), calls("returns_early", "failure").unwrap_or(0));
    let (_, timeline) = resile::timeline::capture(async {
        assert_eq!(returns_early(false).await, Ok(1));
        assert_eq!(returns_early(true).await, Err(E::Down));
    })
    .await;
    assert_eq!(calls("returns_early", "success"), Some(before_ok + 1));
    assert_eq!(calls("returns_early", "failure"), Some(before_err + 1));
    let outcomes: Vec<String> = timeline.attempts().map(|(_, a)| a.outcome.to_string()).collect();
    assert_eq!(outcomes, ["success", "failure"], "{timeline}");
    assert_eq!(resile::bulkhead("metrics-early-bulkhead").stats().in_use, 0);
}

// ---- chaos

impl From<resile::chaos::ChaosError> for E {
    fn from(_: resile::chaos::ChaosError) -> Self {
        E::Down
    }
}

#[resile::chaos(name = "metrics-chaos", error_rate = 1.0, latency = "5ms")]
async fn injected() -> Result<(), E> {
    Ok(())
}

#[resile::chaos(hang_rate = 1.0, allow = "chaos_hang_without_timeout")]
async fn hangs() -> Result<(), E> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn each_injected_fault_counts_by_injector_and_kind() {
    recording();
    for _ in 0..3 {
        assert_eq!(injected().await, Err(E::Down));
    }
    assert!(tokio::time::timeout(Duration::from_secs(1), hangs()).await.is_err());
    let injected = |name: &str, fault: &str| counter(m::CHAOS_INJECTED_TOTAL, &[("name", name), ("fault", fault)]);
    assert_eq!(injected("metrics-chaos", "error"), Some(3));
    assert_eq!(injected("metrics-chaos", "latency"), Some(3));
    // An unnamed site's injector is named after its function and the attribute's position.
    let names = resile::registry::names();
    let unnamed = names.iter().find(|(kind, name)| *kind == "chaos" && name.starts_with("metrics::hangs@"));
    let (_, unnamed) = unnamed.expect("the unnamed site's injector is listed");
    assert_eq!(injected(unnamed, "hang"), Some(1));
}
