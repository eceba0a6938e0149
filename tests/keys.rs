//! Keyed instances (SPEC §9) through the attributes, on tokio's paused clock: one breaker,
//! bulkhead or rate limiter per key value under a name, independent of each other, created
//! on first use, bounded by `max_keys` with least-recently-used eviction that spares keys
//! with a call in flight, per-key handles, live reconfiguration of the name reaching every
//! key, and cancellation releasing what a call held.

#[path = "support/events.rs"]
mod events;
use events::Events;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tracing::Level;

use resile::circuit_breaker::CircuitBreakerConfig;
use resile::{Rejection, State};
use tokio::sync::oneshot;
use tokio::time::advance;

#[derive(Debug, PartialEq)]
enum Error {
    Down,
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

/// Polls `fut` once: it must be pending (parked on its oneshot, holding what it holds).
fn park<F: Future>(fut: std::pin::Pin<&mut F>) {
    assert!(fut.poll(&mut Context::from_waker(Waker::noop())).is_pending(), "the call parks");
}

// --- Breakers per host -----------------------------------------------------------------

#[resile::circuit_breaker(name = "keys-hosts", window_size = 2, minimum_calls = 2, open_timeout = "10s", key = host)]
async fn fetch(host: &str, ok: bool) -> Result<u32, Error> {
    if ok { Ok(1) } else { Err(Error::Down) }
}

#[tokio::test(start_paused = true)]
async fn two_keys_have_independent_breakers() {
    let start = tokio::time::Instant::now();
    assert_eq!(fetch("a.example", false).await, Err(Error::Down));
    assert_eq!(fetch("a.example", false).await, Err(Error::Down));
    // `a` is open; `b` admits, and `a` still refuses at the same instant.
    assert_eq!(fetch("a.example", true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "keys-hosts" })));
    assert_eq!(fetch("b.example", true).await, Ok(1));
    assert_eq!(fetch("a.example", true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "keys-hosts" })));

    let handle = resile::circuit_breaker("keys-hosts");
    assert_eq!(handle.keys(), 2);
    assert_eq!(handle.key_str("a.example").unwrap().state(), State::Open);
    assert_eq!(handle.key(&String::from("b.example")).unwrap().state(), State::Closed);
    let b = handle.key_str("b.example").unwrap().stats();
    assert_eq!((b.total, b.failures), (1, 0));
    // The name's own breaker takes no calls: it holds the settings.
    assert_eq!(handle.state(), State::Closed);
    assert!(handle.key_str("c.example").is_none(), "looking a key up creates nothing");

    // `a` half-opens exactly at 10 s: not one nanosecond before.
    advance(Duration::from_secs(10) - Duration::from_nanos(1)).await;
    assert_eq!(fetch("a.example", true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "keys-hosts" })));
    advance(Duration::from_nanos(1)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(fetch("a.example", true).await, Ok(1)); // the probe
    assert_eq!(handle.key_str("a.example").unwrap().state(), State::Closed);
    assert_eq!(handle.keys(), 2);
    assert_eq!(handle.keys_evicted(), 0);
}

// --- The bound: 10^5 distinct keys, max_keys = 100 ------------------------------------

#[resile::circuit_breaker(name = "keys-bound", minimum_calls = 1, window_size = 1, key = id, max_keys = 100)]
async fn by_id(id: u64, ok: bool) -> Result<u64, Error> {
    if ok { Ok(id) } else { Err(Error::Down) }
}

#[tokio::test(start_paused = true)]
async fn keys_never_exceed_max_keys_over_100_000_distinct_keys() {
    let handle = resile::circuit_breaker("keys-bound");
    let wall = std::time::Instant::now();
    let mut most = 0;
    for id in 0..100_000u64 {
        assert_eq!(by_id(id, true).await, Ok(id));
        let keys = handle.keys();
        assert!(keys <= 100, "{keys} keys after key {id}");
        most = most.max(keys);
        // Every key that was added and is not there any more was counted as evicted.
        assert_eq!(handle.keys_evicted() + keys as u64, id + 1);
    }
    assert_eq!(most, 100);
    assert!(handle.keys_evicted() >= 99_900);
    // The most recent key is there; the first ones are long gone.
    assert!(handle.key(&99_999u64).is_some());
    assert!(handle.key(&0u64).is_none());
    // Amortised O(1) per new key: well under a second in release builds; generous here
    // for a debug build on a shared machine.
    assert!(wall.elapsed() < Duration::from_secs(10), "took {:?}", wall.elapsed());
}

#[resile::circuit_breaker(name = "keys-in-flight", minimum_calls = 2, window_size = 10, key = id, max_keys = 100)]
async fn parked(id: u64, gate: Option<oneshot::Receiver<bool>>) -> Result<u64, Error> {
    match gate {
        Some(gate) => {
            if gate.await.unwrap() {
                Ok(id)
            } else {
                Err(Error::Down)
            }
        }
        None => Err(Error::Down),
    }
}

#[tokio::test(start_paused = true)]
async fn a_key_with_a_call_in_flight_survives_eviction() {
    let handle = resile::circuit_breaker("keys-in-flight");
    // Key 7 records a failure, then a call on it parks.
    assert_eq!(parked(7, None).await, Err(Error::Down));
    let (tx, rx) = oneshot::channel();
    let mut call = pin!(parked(7, Some(rx)));
    park(call.as_mut());
    // Eviction pressure: 10 000 other keys, at most 100 kept.
    for id in 1_000..11_000u64 {
        assert_eq!(parked(id, None).await, Err(Error::Down));
        assert!(handle.keys() <= 100);
    }
    // 10 001 keys added: each one is there or was counted as evicted.
    assert_eq!(handle.keys_evicted() + handle.keys() as u64, 10_001);
    // Key 7 is still there, with the failure it recorded.
    let stats = handle.key(&7u64).expect("key 7 was not evicted").stats();
    assert_eq!((stats.state, stats.total, stats.failures), (State::Closed, 1, 1));
    // Its call ends: a success, recorded on the same breaker.
    tx.send(true).unwrap();
    assert_eq!(call.await, Ok(7));
    let stats = handle.key(&7u64).unwrap().stats();
    assert_eq!((stats.total, stats.failures), (2, 1));
}

// --- Per-key handles ------------------------------------------------------------------

#[resile::circuit_breaker(name = "keys-handles", key = tenant)]
async fn per_tenant(tenant: u32) -> Result<u32, Error> {
    Ok(tenant)
}

#[tokio::test(start_paused = true)]
async fn a_key_handle_reads_and_operates_that_keys_breaker() {
    let handle = resile::circuit_breaker("keys-handles");
    assert!(handle.key(&1u32).is_none());
    assert_eq!(handle.keys(), 0);
    assert_eq!(per_tenant(1).await, Ok(1));
    assert_eq!(per_tenant(2).await, Ok(2));
    assert_eq!(handle.keys(), 2);

    handle.key(&1u32).unwrap().force_open();
    assert_eq!(per_tenant(1).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "keys-handles" })));
    assert_eq!(per_tenant(2).await, Ok(2));
    // The rejection names the breaker, not the key: no time to half-open can be told.
    assert_eq!(Rejection::CircuitOpen { name: "keys-handles" }.retry_after(), None);
    assert_eq!(handle.key(&1u32).unwrap().state(), State::ForcedOpen);

    handle.key(&1u32).unwrap().force_close();
    assert_eq!(per_tenant(1).await, Ok(1));
    handle.key(&2u32).unwrap().disable();
    assert_eq!(handle.key(&2u32).unwrap().state(), State::Disabled);
    // The name's operator states are every key's: forced open, every key refuses...
    handle.force_open();
    assert_eq!(per_tenant(2).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "keys-handles" })));
    assert_eq!(per_tenant(3).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "keys-handles" })));
    // ...and closed again, each key is back to its own state.
    handle.force_close();
    assert_eq!(per_tenant(3).await, Ok(3));
    assert_eq!(handle.key(&2u32).unwrap().state(), State::Disabled);
    // Resetting the name resets every key's breaker.
    handle.reset();
    assert_eq!(handle.key(&2u32).unwrap().state(), State::Closed);
    assert_eq!(handle.key(&1u32).unwrap().stats().total, 0);
}

// --- Live reconfiguration of the name reaches every key -------------------------------

#[resile::circuit_breaker(name = "keys-live", window_size = 10, minimum_calls = 10, key = host)]
async fn live(host: String, ok: bool) -> Result<(), Error> {
    if ok { Ok(()) } else { Err(Error::Down) }
}

#[tokio::test(start_paused = true)]
async fn reconfiguring_the_name_reaches_existing_and_new_keys() {
    let handle = resile::circuit_breaker("keys-live");
    assert_eq!(live("a".into(), false).await, Err(Error::Down));
    assert_eq!(handle.key_str("a").unwrap().stats().state, State::Closed); // 1 of 10
    let tight = CircuitBreakerConfig::new().window_size(2).minimum_calls(2).open_timeout(Duration::from_secs(5));
    handle.reconfigure(tight).unwrap();
    assert_eq!(handle.key_str("a").unwrap().config(), tight);
    // The reconfiguration started `a` on a fresh window: two failures open it.
    assert_eq!(live("a".into(), false).await, Err(Error::Down));
    assert_eq!(live("a".into(), false).await, Err(Error::Down));
    assert_eq!(handle.key_str("a").unwrap().state(), State::Open);
    // A key created afterwards has the new settings too.
    assert_eq!(live("b".into(), true).await, Ok(()));
    assert_eq!(handle.key_str("b").unwrap().config(), tight);
    // A bad configuration changes nothing, on any key.
    assert!(handle.reconfigure(tight.failure_rate_threshold(2.0)).is_err());
    assert_eq!(handle.key_str("a").unwrap().config(), tight);
}

// --- Bulkheads per key ----------------------------------------------------------------

#[resile::bulkhead(name = "keys-pool", max_concurrent = 1, key = tenant)]
async fn pooled(tenant: &str, gate: Option<oneshot::Receiver<()>>) -> Result<(), Error> {
    if let Some(gate) = gate {
        gate.await.unwrap();
    }
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_full_key_does_not_block_another() {
    let handle = resile::bulkhead("keys-pool");
    let (tx, rx) = oneshot::channel();
    let mut held = pin!(pooled("t1", Some(rx)));
    park(held.as_mut());
    assert_eq!(handle.key_str("t1").unwrap().stats().in_use, 1);
    assert_eq!(pooled("t1", None).await, Err(Error::Rejected(Rejection::BulkheadFull { name: "keys-pool" })));
    assert_eq!(pooled("t2", None).await, Ok(()));
    assert_eq!(handle.key_str("t2").unwrap().stats().in_use, 0);
    // The name turned off: every key's calls pass, the full one's too.
    handle.disable();
    assert_eq!(pooled("t1", None).await, Ok(()));
    handle.enable();
    assert_eq!(pooled("t1", None).await, Err(Error::Rejected(Rejection::BulkheadFull { name: "keys-pool" })));
    tx.send(()).unwrap();
    assert_eq!(held.await, Ok(()));
    assert_eq!(handle.key_str("t1").unwrap().stats().in_use, 0);
    assert_eq!(pooled("t1", None).await, Ok(()));
    assert_eq!(handle.keys(), 2);
    // The name's `max_concurrent`, live, reaches the keys.
    handle.reconfigure(resile::BulkheadConfig::new(3)).unwrap();
    assert_eq!(handle.key_str("t1").unwrap().stats().max_concurrent, 3);
}

#[resile::bulkhead(name = "keys-cancel", max_concurrent = 1, key = tenant, max_keys = 1)]
async fn cancellable(tenant: u64, gate: oneshot::Receiver<()>) -> Result<(), Error> {
    gate.await.unwrap();
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_keyed_call_releases_its_permit_and_its_hold() {
    let handle = resile::bulkhead("keys-cancel");
    let (_tx, rx) = oneshot::channel();
    {
        let mut call = pin!(cancellable(1, rx));
        park(call.as_mut());
        assert_eq!(handle.key(&1u64).unwrap().stats().in_use, 1);
        // Key 1 is in flight: key 2 cannot evict it, so the bound gives way.
        let (_tx2, rx2) = oneshot::channel();
        let mut other = pin!(cancellable(2, rx2));
        park(other.as_mut());
        assert_eq!(handle.keys(), 2);
        assert_eq!(handle.keys_evicted(), 0);
    } // both calls dropped at their await: permits and holds go back
    assert_eq!(handle.key(&1u64).unwrap().stats().in_use, 0);
    assert_eq!(handle.key(&2u64).unwrap().stats().in_use, 0);
    // Nothing holds them now: a new key evicts both (1 kept of `max_keys` = 1).
    let (tx3, rx3) = oneshot::channel();
    tx3.send(()).unwrap();
    assert_eq!(cancellable(3, rx3).await, Ok(()));
    assert_eq!((handle.keys(), handle.keys_evicted()), (1, 2));
    assert!(handle.key(&1u64).is_none());
}

// --- Rate limits per tenant -----------------------------------------------------------

#[resile::rate_limit(name = "keys-tenants", rate = 2, burst_size = 1, key = tenant)]
async fn limited(tenant: &str) -> Result<(), Error> {
    Ok(())
}

fn limited_after(retry_after: Duration) -> Result<(), Error> {
    Err(Error::Rejected(Rejection::RateLimited { name: "keys-tenants", retry_after }))
}

#[tokio::test(start_paused = true)]
async fn each_tenant_has_its_own_rate_and_an_exact_retry_after() {
    assert_eq!(limited("t1").await, Ok(()));
    assert_eq!(limited("t1").await, limited_after(Duration::from_millis(500)));
    assert_eq!(limited("t2").await, Ok(()));
    advance(Duration::from_millis(200)).await;
    assert_eq!(limited("t1").await, limited_after(Duration::from_millis(300)));
    assert_eq!(limited("t2").await, limited_after(Duration::from_millis(300)));
    advance(Duration::from_millis(300)).await;
    assert_eq!(limited("t1").await, Ok(()));
    assert_eq!(limited("t1").await, limited_after(Duration::from_millis(500)));
    assert_eq!(limited("t3").await, Ok(()));
    let handle = resile::rate_limiter("keys-tenants");
    assert_eq!(handle.keys(), 3);
    assert_eq!(handle.key_str("t1").unwrap().stats().rate, 2.0);
}

// --- Poll, to be sure the futures above are what they say -----------------------------

#[test]
fn the_parking_helper_sees_a_ready_future() {
    let fut = pin!(async { 1 });
    assert_eq!(fut.poll(&mut Context::from_waker(Waker::noop())), Poll::Ready(1));
}

// --- Evictions are counted, and the first one is a warning -----------------------------

#[resile::circuit_breaker(name = "keys-counted", key = id, max_keys = 2)]
async fn counted(id: u64) -> Result<u64, Error> {
    Ok(id)
}

#[test]
fn evictions_are_counted_in_the_metric_and_the_first_one_warns() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let events = {
        let (events, _capturing) = Events::capture();
        metrics::with_local_recorder(&recorder, || {
            for id in 0..5u64 {
                // A call on a new key completes at its first poll: no await is pending.
                let mut call = pin!(counted(id));
                assert_eq!(call.as_mut().poll(&mut Context::from_waker(Waker::noop())), Poll::Ready(Ok(id)));
            }
        });
        events
    };
    // `max_keys` = 2, batches of one: keys 2, 3 and 4 each evicted one.
    let handle = resile::circuit_breaker("keys-counted");
    assert_eq!((handle.keys(), handle.keys_evicted()), (2, 3));
    let evicted: Vec<_> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == "resile_keys_evicted_total")
        .map(|(key, _, _, value)| {
            let labels: Vec<String> = key.key().labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
            (labels, value)
        })
        .collect();
    assert_eq!(
        evicted,
        vec![(vec!["policy=circuit_breaker".to_owned(), "name=keys-counted".to_owned()], DebugValue::Counter(3))]
    );
    let warnings = events.at(Level::WARN);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("`keys-counted` has more keys than `max_keys` (2)"), "{}", warnings[0]);
}

// --- A cancelled half-open probe of one key gives its slot back -----------------------

#[resile::circuit_breaker(name = "keys-probe", minimum_calls = 1, window_size = 1, open_timeout = "1s", key = host)]
async fn probed(host: u16, gate: Option<oneshot::Receiver<bool>>) -> Result<(), Error> {
    let ok = match gate {
        Some(gate) => gate.await.unwrap(),
        None => false,
    };
    if ok { Ok(()) } else { Err(Error::Down) }
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_probe_of_a_key_gives_its_slot_back() {
    let handle = resile::circuit_breaker("keys-probe");
    assert_eq!(probed(1, None).await, Err(Error::Down)); // key 1 opens
    assert_eq!(probed(2, Some(ready(true))).await, Ok(())); // key 2 stays closed
    advance(Duration::from_secs(1)).await;
    let (_tx, rx) = oneshot::channel();
    {
        let mut probe = pin!(probed(1, Some(rx)));
        park(probe.as_mut());
        assert_eq!(handle.key(&1u16).unwrap().state(), State::HalfOpen);
        // The one probe slot is taken: another call of key 1 is refused.
        assert_eq!(
            probed(1, Some(ready(true))).await,
            Err(Error::Rejected(Rejection::CircuitOpen { name: "keys-probe" }))
        );
    } // dropped at its await
    assert_eq!(probed(1, Some(ready(true))).await, Ok(())); // the slot came back: this is the probe
    assert_eq!(handle.key(&1u16).unwrap().state(), State::Closed);
    assert_eq!(handle.key(&2u16).unwrap().state(), State::Closed);
}

fn ready(ok: bool) -> oneshot::Receiver<bool> {
    let (tx, rx) = oneshot::channel();
    tx.send(ok).unwrap();
    rx
}

/// A keyed call's future is `Send` (it can be spawned): what it holds across the body's
/// `.await` (the key's instance, a breaker's permit, a bulkhead's permits) is.
#[test]
fn keyed_calls_are_send() {
    fn send<T: Send>(_: &T) {}
    send(&fetch("a", true));
    send(&pooled("t", None));
    send(&limited("t"));
    send(&by_id(1, true));
}

// --- A key looked up with the wrong type finds nothing, and says why ------------------

#[resile::rate_limit(name = "keys-typed", rate = 10, key = tenant)]
async fn typed(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

#[test]
fn a_key_looked_up_with_another_type_warns() {
    let mut call = pin!(typed(4));
    assert_eq!(call.as_mut().poll(&mut Context::from_waker(Waker::noop())), Poll::Ready(Ok(4)));
    let handle = resile::rate_limiter("keys-typed");
    let events = {
        let (events, _capturing) = Events::capture();
        assert!(handle.key(&4).is_none(), "`4` is an i32; the keys are u64");
        assert!(handle.key(&4u64).is_some());
        events
    };
    let warnings = events.at(Level::WARN);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("rate_limit `keys-typed`: no key is of type `i32`"), "{}", warnings[0]);
}

// --- Two keyed sites of one name that disagree on max_keys are reported --------------

#[resile::bulkhead(name = "keys-max-conflict", max_concurrent = 2, key = tenant, max_keys = 3)]
async fn three_keys(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

#[resile::bulkhead(name = "keys-max-conflict", max_concurrent = 2, key = tenant, max_keys = 100)]
async fn hundred_keys(tenant: u64) -> Result<u64, Error> {
    Ok(tenant)
}

#[test]
fn two_sites_with_different_max_keys_are_reported() {
    let poll = |f: std::pin::Pin<&mut dyn Future<Output = Result<u64, Error>>>| {
        f.poll(&mut Context::from_waker(Waker::noop()))
    };
    assert_eq!(poll(pin!(three_keys(1))), Poll::Ready(Ok(1)));
    // The second site finds the family the first made: an error, which panics in debug
    // builds (as two different declarations of one name do).
    let second = std::panic::catch_unwind(|| poll(pin!(hundred_keys(2))));
    let debug = cfg!(debug_assertions);
    match second {
        Err(panic) => {
            assert!(debug, "only debug builds panic");
            let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(
                message.contains("`bulkhead` `keys-max-conflict` is keyed with different `max_keys`: 3 by the first"),
                "{message}"
            );
        }
        Ok(result) => {
            assert!(!debug, "debug builds panic");
            assert_eq!(result, Poll::Ready(Ok(2)));
        }
    }
    assert_eq!(resile::bulkhead("keys-max-conflict").keys(), 1 + usize::from(!cfg!(debug_assertions)));
}

// --- A keyed breaker's state change names its key ---------------------------------------

#[resile::circuit_breaker(name = "keys-logged", minimum_calls = 1, window_size = 1, open_timeout = "10s", key = host)]
async fn logged(host: &str) -> Result<(), Error> {
    Err(Error::Down)
}

#[resile::circuit_breaker(name = "keys-logged-id", minimum_calls = 1, window_size = 1, open_timeout = "10s", key = id)]
async fn logged_id(id: u64) -> Result<(), Error> {
    Err(Error::Down)
}

#[resile::circuit_breaker(name = "keys-logged-unkeyed", minimum_calls = 1, window_size = 1, open_timeout = "10s")]
async fn logged_unkeyed() -> Result<(), Error> {
    Err(Error::Down)
}

/// A key whose type has no `Debug`: it keys as any other, and its events show no key.
#[derive(Hash, PartialEq, Eq, Clone)]
struct Opaque(u32);

#[resile::circuit_breaker(name = "keys-logged-opaque", minimum_calls = 1, window_size = 1, open_timeout = "10s", key = tenant)]
async fn logged_opaque(tenant: Opaque) -> Result<(), Error> {
    let _ = tenant.0;
    Err(Error::Down)
}

#[test]
fn a_keyed_breaker_logs_its_key_when_it_opens_and_an_unkeyed_one_no_key() {
    /// Runs `call` to its end: each of these completes at its first poll.
    fn run<F: Future<Output = Result<(), Error>>>(call: F) {
        let mut call = pin!(call);
        assert_eq!(call.as_mut().poll(&mut Context::from_waker(Waker::noop())), Poll::Ready(Err(Error::Down)));
    }

    let events = {
        let (events, _capturing) = Events::capture();
        run(logged("db-1.internal"));
        run(logged_id(7));
        run(logged_unkeyed());
        run(logged_opaque(Opaque(3)));
        events
    };
    // The state-change events (target `resile`) of these breakers, fields as they are.
    let changes = events.fields("circuit breaker `keys-logged");
    let seen: Vec<(&str, Option<&str>, &str)> = changes
        .iter()
        .map(|f| (f["resilience.name"].as_str(), f.get("resilience.key").map(String::as_str), f["to"].as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("keys-logged", Some("\"db-1.internal\""), "open"),
            ("keys-logged-id", Some("7"), "open"),
            ("keys-logged-unkeyed", None, "open"),
            ("keys-logged-opaque", None, "open"),
        ],
        "{changes:#?}"
    );
    // Metrics and the name's own handle stay by name: the key is the event's alone.
    assert_eq!(resile::circuit_breaker("keys-logged").key_str("db-1.internal").map(|b| b.state()), Some(State::Open));
}
