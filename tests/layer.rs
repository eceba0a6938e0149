//! `resile::layer` (cargo feature `tower`) on tokio's paused clock: a named layer and an
//! attribute of the same name share one instance; what `poll_ready` reserves comes back
//! when the service is dropped without `call`, and when a response future is dropped; a
//! `ServiceBuilder` stack of several layers, with exact attempt counts and instants.
//!
//! Each test uses names of its own: the tests of this file run in parallel, in one process.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use resile::layer::{BulkheadLayer, CircuitBreakerLayer, HedgeLayer, RateLimitLayer, RetryLayer, TimeoutLayer};
use resile::retry::{Backoff, Jitter};
use resile::{BulkheadPolicy, CircuitBreakerPolicy, HedgePolicy, RateLimitPolicy, Rejection, RetryPolicy, State};
use tokio::time::{Instant, advance, sleep};
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Down,
    Refused(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Refused(r)
    }
}

fn refused<T>(r: Rejection) -> Result<T, Error> {
    Err(Error::Refused(r))
}

/// Polls `fut` once, with a waker that does nothing.
fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// A service that counts its `poll_ready`s and its calls, and answers `Down` to the first
/// `failures` calls (counted across its clones), `Ok(n)` after.
#[derive(Clone)]
struct Counting {
    ready: Arc<AtomicU32>,
    calls: Arc<AtomicU32>,
    failures: u32,
}

impl Counting {
    fn new(failures: u32) -> Self {
        Counting { ready: Arc::default(), calls: Arc::default(), failures }
    }
    fn readies(&self) -> u32 {
        self.ready.load(Ordering::SeqCst)
    }
    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Service<u32> for Counting {
    type Response = u32;
    type Error = Error;
    type Future = std::future::Ready<Result<u32, Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.ready.fetch_add(1, Ordering::SeqCst);
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, n: u32) -> Self::Future {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        std::future::ready(if call <= self.failures { Err(Error::Down) } else { Ok(n) })
    }
}

// ---- one instance per name, from an attribute or a layer -------------------------------

#[resile::circuit_breaker(name = "layer-shared-db", window_size = 4, minimum_calls = 2, open_timeout = "10s")]
async fn db(fail: bool) -> Result<u32, Error> {
    if fail { Err(Error::Down) } else { Ok(1) }
}

#[tokio::test(start_paused = true)]
async fn a_breaker_tripped_by_the_attribute_rejects_through_the_layer() {
    assert_eq!(db(true).await, Err(Error::Down));
    assert_eq!(db(true).await, Err(Error::Down));
    assert_eq!(resile::circuit_breaker("layer-shared-db").state(), State::Open);

    let inner = Counting::new(0);
    let service = ServiceBuilder::new().layer(CircuitBreakerLayer::named("layer-shared-db")).service(inner.clone());
    assert_eq!(service.oneshot(7).await, refused(Rejection::CircuitOpen { name: "layer-shared-db" }));
    // Refused in `poll_ready`: the inner service was neither polled nor called.
    assert_eq!((inner.readies(), inner.calls()), (0, 0));
}

#[resile::circuit_breaker(name = "layer-shared-db2", window_size = 4, minimum_calls = 2, open_timeout = "10s")]
async fn db2() -> Result<u32, Error> {
    Ok(2)
}

#[tokio::test(start_paused = true)]
async fn a_breaker_tripped_through_the_layer_rejects_the_attribute() {
    // The same declaration as the attribute's: one breaker, declared twice alike.
    const DB2: CircuitBreakerPolicy = CircuitBreakerPolicy::named("layer-shared-db2")
        .window_size(4)
        .minimum_calls(2)
        .open_timeout(Duration::from_secs(10));
    let inner = Counting::new(u32::MAX);
    let service = ServiceBuilder::new().layer(CircuitBreakerLayer::new(DB2)).service(inner.clone());
    assert_eq!(service.clone().oneshot(1).await, Err(Error::Down));
    assert_eq!(service.clone().oneshot(2).await, Err(Error::Down));
    let stats = resile::circuit_breaker("layer-shared-db2").stats();
    assert_eq!((stats.state, stats.total, stats.failures), (State::Open, 2, 2));
    assert_eq!(db2().await, refused(Rejection::CircuitOpen { name: "layer-shared-db2" }));
    assert_eq!(inner.calls(), 2);
}

#[resile::bulkhead(name = "layer-shared-pool", max_concurrent = 2)]
async fn pooled() -> Result<u32, Error> {
    Ok(3)
}

#[tokio::test(start_paused = true)]
async fn a_bulkhead_is_one_pool_for_the_attribute_and_the_layer() {
    assert_eq!(pooled().await, Ok(3)); // the attribute declares `max_concurrent`
    let layer = BulkheadLayer::named("layer-shared-pool");
    let mut a = ServiceBuilder::new().layer(layer.clone()).service(Counting::new(0));
    let mut b = a.clone();
    a.ready().await.unwrap();
    b.ready().await.unwrap();
    assert_eq!(resile::bulkhead("layer-shared-pool").stats().in_use, 2);
    assert_eq!(pooled().await, refused(Rejection::BulkheadFull { name: "layer-shared-pool" }));
    drop(a);
    assert_eq!(pooled().await, Ok(3));
    assert_eq!(b.call(4).await, Ok(4));
    assert_eq!(resile::bulkhead("layer-shared-pool").stats().in_use, 0);
}

#[resile::rate_limit(name = "layer-shared-bucket", rate = 1.0)]
async fn limited() -> Result<u32, Error> {
    Ok(5)
}

#[tokio::test(start_paused = true)]
async fn a_rate_limiter_is_one_bucket_for_the_attribute_and_the_layer() {
    assert_eq!(limited().await, Ok(5)); // the one token of the burst
    let service = ServiceBuilder::new().layer(RateLimitLayer::named("layer-shared-bucket")).service(Counting::new(0));
    let retry_after = Duration::from_secs(1);
    assert_eq!(
        service.clone().oneshot(1).await,
        refused(Rejection::RateLimited { name: "layer-shared-bucket", retry_after })
    );
    advance(Duration::from_secs(1)).await;
    assert_eq!(service.oneshot(1).await, Ok(1));
    assert_eq!(limited().await, refused(Rejection::RateLimited { name: "layer-shared-bucket", retry_after }));
}

#[resile::hedge(delay = "10ms", max_requests = 2, name = "layer-shared-tracker")]
async fn hedged() -> Result<u32, Error> {
    sleep(Duration::from_millis(if resile::attempt() == 1 { 100 } else { 5 })).await;
    Ok(6)
}

#[tokio::test(start_paused = true)]
async fn a_hedge_tracker_is_one_for_the_attribute_and_the_layer() {
    const HEDGE: HedgePolicy =
        HedgePolicy::named("layer-shared-tracker").delay(Duration::from_millis(10)).max_requests(2);
    assert_eq!(hedged().await, Ok(6)); // won by the hedge
    let service = ServiceBuilder::new().layer(HedgeLayer::new(HEDGE)).service(service_fn(|n: u32| async move {
        sleep(Duration::from_millis(if resile::attempt() == 1 { 100 } else { 5 })).await;
        Ok::<_, Error>(n)
    }));
    assert_eq!(service.oneshot(7).await, Ok(7)); // won by the hedge
    let stats = resile::hedge_tracker("layer-shared-tracker").stats();
    assert_eq!((stats.total_requests, stats.hedged_requests, stats.hedge_won), (2, 2, 2));
}

// ---- `poll_ready` without `call` leaks nothing ----------------------------------------

#[tokio::test(start_paused = true)]
async fn a_bulkhead_permit_taken_in_poll_ready_comes_back_when_the_service_is_dropped() {
    const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-ready-pool", 1);
    let mut service = ServiceBuilder::new().layer(BulkheadLayer::new(POOL)).service(Counting::new(0));
    service.ready().await.unwrap();
    assert_eq!(resile::bulkhead("layer-ready-pool").stats().in_use, 1);
    // `poll_ready` again keeps the one permit.
    service.ready().await.unwrap();
    assert_eq!(resile::bulkhead("layer-ready-pool").stats().in_use, 1);
    // A clone holds nothing: polled ready, it finds the pool full.
    let clone = service.clone();
    assert_eq!(clone.oneshot(1).await, refused(Rejection::BulkheadFull { name: "layer-ready-pool" }));
    drop(service);
    assert_eq!(resile::bulkhead("layer-ready-pool").stats().in_use, 0);
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_layer_polled_ready_and_dropped_takes_no_tokens() {
    const API: RateLimitPolicy = RateLimitPolicy::named("layer-ready-bucket", 2.0);
    let layer = RateLimitLayer::new(API);
    assert_eq!(layer.limiter().stats().tokens, 2.0); // created full
    let mut service = ServiceBuilder::new().layer(layer).service(Counting::new(0));
    service.ready().await.unwrap();
    drop(service);
    assert_eq!(resile::rate_limiter("layer-ready-bucket").stats().tokens, 2.0);
}

#[tokio::test(start_paused = true)]
async fn a_bulkhead_waiter_queues_in_poll_ready_for_max_wait_exactly() {
    const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-wait-pool", 1).max_wait(Duration::from_millis(30));
    let layer = BulkheadLayer::new(POOL);
    let mut holder = ServiceBuilder::new().layer(layer.clone()).service(Counting::new(0));
    holder.ready().await.unwrap();

    // Queued, then dropped while queued: it leaves the queue.
    let mut dropped = ServiceBuilder::new().layer(layer.clone()).service(Counting::new(0));
    assert!(poll_once(pin!(dropped.ready())).is_pending());
    assert_eq!(resile::bulkhead("layer-wait-pool").stats().waiting, 1);
    drop(dropped);
    assert_eq!(resile::bulkhead("layer-wait-pool").stats().waiting, 0);

    // Refused at exactly `max_wait`.
    let start = Instant::now();
    let waiter = ServiceBuilder::new().layer(layer.clone()).service(Counting::new(0));
    assert_eq!(waiter.oneshot(1).await, refused(Rejection::BulkheadFull { name: "layer-wait-pool" }));
    assert_eq!(start.elapsed(), Duration::from_millis(30));

    // Admitted when the holder's permit comes back within `max_wait`.
    let waiter = ServiceBuilder::new().layer(layer).service(Counting::new(0));
    let task = tokio::spawn(waiter.oneshot(2));
    sleep(Duration::from_millis(10)).await;
    drop(holder);
    assert_eq!(task.await.unwrap(), Ok(2));
    assert_eq!(resile::bulkhead("layer-wait-pool").stats().in_use, 0);
}

const PROBED: CircuitBreakerPolicy = CircuitBreakerPolicy::named("layer-probe")
    .window_size(2)
    .minimum_calls(2)
    .open_timeout(Duration::from_secs(1))
    .permitted_calls_in_half_open(1);

#[tokio::test(start_paused = true)]
async fn a_half_open_probe_taken_in_poll_ready_comes_back_when_the_service_is_dropped() {
    let layer = CircuitBreakerLayer::new(PROBED);
    let failing = ServiceBuilder::new().layer(layer.clone()).service(Counting::new(2));
    assert_eq!(failing.clone().oneshot(1).await, Err(Error::Down));
    assert_eq!(failing.clone().oneshot(1).await, Err(Error::Down));
    let breaker = resile::circuit_breaker("layer-probe");
    assert_eq!(breaker.state(), State::Open);
    advance(Duration::from_secs(1)).await;

    // The one probe, taken by `poll_ready`.
    let mut probe = failing.clone();
    probe.ready().await.unwrap();
    assert_eq!(breaker.state(), State::HalfOpen);
    // No second probe while it is held.
    let other = failing.clone();
    assert_eq!(other.oneshot(1).await, refused(Rejection::CircuitOpen { name: "layer-probe" }));
    // Dropped without `call`: the probe is back, and nothing was recorded.
    drop(probe);
    assert_eq!(breaker.state(), State::HalfOpen);
    // Called, then its response future dropped before the end: the probe is back again.
    let mut called = failing.clone();
    called.ready().await.unwrap();
    drop(called.call(1));
    assert_eq!(breaker.state(), State::HalfOpen);
    let next = failing.clone();
    assert_eq!(next.oneshot(9).await, Ok(9)); // calls 1 and 2 of `Counting::new(2)` failed
    assert_eq!(breaker.state(), State::Closed);
}

#[tokio::test(start_paused = true)]
async fn poll_ready_after_a_refusal_asks_again() {
    let inner = Counting::new(0);
    let mut service = ServiceBuilder::new().layer(CircuitBreakerLayer::named("layer-ask-again")).service(inner.clone());
    let breaker = resile::circuit_breaker("layer-ask-again");
    breaker.force_open();
    service.ready().await.unwrap(); // refused: `Ready`, and the inner service not polled
    assert_eq!(inner.readies(), 0);
    breaker.force_close();
    service.ready().await.unwrap(); // admitted now
    assert_eq!(service.call(1).await, Ok(1));
    assert_eq!((inner.readies(), inner.calls()), (1, 1));

    const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-ask-again-pool", 1);
    let mut holder = ServiceBuilder::new().layer(BulkheadLayer::new(POOL)).service(Counting::new(0));
    holder.ready().await.unwrap();
    let mut other = holder.clone();
    other.ready().await.unwrap(); // full: `Ready`, and `call` would refuse
    drop(holder);
    other.ready().await.unwrap(); // the permit is free now
    assert_eq!(other.call(2).await, Ok(2));
    assert_eq!(resile::bulkhead("layer-ask-again-pool").stats().in_use, 0);
}

// ---- a ServiceBuilder stack -----------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_stack_of_retry_breaker_bulkhead_and_timeout() {
    const RETRY: RetryPolicy = RetryPolicy::new()
        .max(3)
        .backoff(Backoff::Constant)
        .base_delay(Duration::from_millis(100))
        .jitter(Jitter::None);
    const BREAKER: CircuitBreakerPolicy = CircuitBreakerPolicy::named("layer-stack-db").minimum_calls(10);
    const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-stack-pool", 1);

    let calls = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&calls);
    let service = ServiceBuilder::new()
        .layer(RetryLayer::new(RETRY))
        .layer(CircuitBreakerLayer::new(BREAKER))
        .layer(BulkheadLayer::new(POOL))
        .layer(TimeoutLayer::new(Duration::from_millis(50)))
        .service(service_fn(move |n: u32| {
            let call = counted.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                assert_eq!(resile::attempt(), call);
                match call {
                    1 => {
                        sleep(Duration::from_secs(1)).await; // cut by the timeout at 50 ms
                        Ok(n)
                    }
                    2 => Err(Error::Down),
                    _ => Ok(n * 10),
                }
            }
        }));

    let start = Instant::now();
    assert_eq!(service.oneshot(4).await, Ok(40));
    // 50 ms (timed out) + 100 ms backoff + 0 (Down) + 100 ms backoff + 0 (Ok).
    assert_eq!(start.elapsed(), Duration::from_millis(250));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let stats = resile::circuit_breaker("layer-stack-db").stats();
    assert_eq!((stats.state, stats.total, stats.failures), (State::Closed, 3, 2));
    assert_eq!(resile::bulkhead("layer-stack-pool").stats().in_use, 0);
}

#[tokio::test(start_paused = true)]
async fn the_retry_layer_polls_its_service_ready_before_each_attempt() {
    const RETRY: RetryPolicy = RetryPolicy::new()
        .max(3)
        .backoff(Backoff::Constant)
        .base_delay(Duration::from_millis(100))
        .jitter(Jitter::None);
    const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-retry-pool", 1);
    let inner = Counting::new(u32::MAX);
    let service =
        ServiceBuilder::new().layer(RetryLayer::new(RETRY)).layer(BulkheadLayer::new(POOL)).service(inner.clone());
    let task = tokio::spawn(service.oneshot(1));
    tokio::task::yield_now().await;
    // The first attempt failed; during the backoff its permit is back.
    assert_eq!((inner.readies(), inner.calls()), (1, 1));
    assert_eq!(resile::bulkhead("layer-retry-pool").stats().in_use, 0);
    advance(Duration::from_millis(100)).await;
    tokio::task::yield_now().await;
    assert_eq!((inner.readies(), inner.calls()), (2, 2));
    assert_eq!(task.await.unwrap(), Err(Error::Down));
    assert_eq!((inner.readies(), inner.calls()), (3, 3));
    assert_eq!(resile::bulkhead("layer-retry-pool").stats().in_use, 0);
}

#[tokio::test(start_paused = true)]
async fn the_timeout_layer_cuts_at_its_deadline_exactly() {
    let service = ServiceBuilder::new().layer(TimeoutLayer::new(Duration::from_millis(50))).service(service_fn(
        |ms: u64| async move {
            sleep(Duration::from_millis(ms)).await;
            Ok::<_, Error>(ms)
        },
    ));
    let start = Instant::now();
    // Done at the deadline: the inner future is polled first, and wins (tokio's `Timeout`).
    assert_eq!(service.clone().oneshot(50).await, Ok(50));
    assert_eq!(start.elapsed(), Duration::from_millis(50));
    let start = Instant::now();
    let after = Duration::from_millis(50);
    assert_eq!(service.oneshot(51).await, refused(Rejection::TimedOut { after }));
    assert_eq!(start.elapsed(), after);
}

#[tokio::test(start_paused = true)]
async fn the_timeout_layer_publishes_its_deadline() {
    let service = ServiceBuilder::new()
        .layer(TimeoutLayer::new(Duration::from_millis(80)))
        .service(service_fn(|()| async { Ok::<_, Error>(resile::deadline()) }));
    let expected = Instant::now() + Duration::from_millis(80);
    assert_eq!(service.oneshot(()).await, Ok(Some(expected)));
}

#[tokio::test(start_paused = true)]
async fn the_rate_limit_layer_waits_up_to_max_wait_before_calling_the_service() {
    const API: RateLimitPolicy = RateLimitPolicy::named("layer-wait-bucket", 10.0).burst_size(1.0);
    let layer = RateLimitLayer::new(API).max_wait(Duration::from_millis(200));
    let inner = Counting::new(0);
    let service = ServiceBuilder::new().layer(layer).service(inner.clone());
    assert_eq!(service.clone().oneshot(1).await, Ok(1));
    let start = Instant::now();
    let mut waiting = pin!(service.clone().oneshot(2));
    assert!(poll_once(waiting.as_mut()).is_pending());
    // The tokens are taken and the service was polled ready, but it is called only at the
    // request's instant, 100 ms later.
    assert_eq!((inner.readies(), inner.calls()), (2, 1));
    assert_eq!(waiting.await, Ok(2));
    assert_eq!(start.elapsed(), Duration::from_millis(100));
    assert_eq!(inner.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_hedge_layer_sends_a_second_attempt_to_a_clone() {
    const HEDGE: HedgePolicy = HedgePolicy::new().delay(Duration::from_millis(10)).max_requests(2);
    let calls = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&calls);
    let service = ServiceBuilder::new().layer(HedgeLayer::new(HEDGE)).service(service_fn(move |n: u32| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            let took = if resile::attempt() == 1 { 100 } else { 5 };
            sleep(Duration::from_millis(took)).await;
            Ok::<_, Error>(n + resile::attempt())
        }
    }));
    let start = Instant::now();
    assert_eq!(service.oneshot(10).await, Ok(12)); // the hedge won
    assert_eq!(start.elapsed(), Duration::from_millis(15));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_retry_layer_under_a_timeout_layer_starts_no_sleep_past_its_deadline() {
    const RETRY: RetryPolicy = RetryPolicy::new()
        .max(5)
        .backoff(Backoff::Constant)
        .base_delay(Duration::from_millis(100))
        .jitter(Jitter::None);
    let inner = Counting::new(u32::MAX);
    let service = ServiceBuilder::new()
        .layer(TimeoutLayer::new(Duration::from_millis(150)))
        .layer(RetryLayer::new(RETRY))
        .service(inner.clone());
    let start = Instant::now();
    // Attempt 1 at 0 ms, attempt 2 at 100 ms; a sleep to 200 ms would end past the deadline
    // (150 ms): the call returns attempt 2's error at 100 ms, not `TimedOut` at 150 ms.
    assert_eq!(service.oneshot(1).await, Err(Error::Down));
    assert_eq!(start.elapsed(), Duration::from_millis(100));
    assert_eq!(inner.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_named_layer_inside_an_isolated_scope_reaches_the_scope_instance() {
    let layer = CircuitBreakerLayer::named("layer-isolated-db");
    let service = ServiceBuilder::new().layer(layer).service(Counting::new(0));
    let scoped = service.clone();
    resile::testing::isolated(async move {
        resile::circuit_breaker("layer-isolated-db").force_open();
        assert_eq!(scoped.oneshot(1).await, refused(Rejection::CircuitOpen { name: "layer-isolated-db" }));
    })
    .await;
    // The process-wide breaker of that name was never opened.
    assert_eq!(service.oneshot(2).await, Ok(2));
}

// ---- cancellation ---------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_dropped_response_future_releases_everything() {
    const BREAKER: CircuitBreakerPolicy = CircuitBreakerPolicy::named("layer-cancel-db");
    const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-cancel-pool", 1);
    const API: RateLimitPolicy = RateLimitPolicy::named("layer-cancel-bucket", 1.0);
    const RETRY: RetryPolicy = RetryPolicy::new().max(2);
    let service = ServiceBuilder::new()
        .layer(RetryLayer::new(RETRY))
        .layer(CircuitBreakerLayer::new(BREAKER))
        .layer(BulkheadLayer::new(POOL))
        .layer(RateLimitLayer::new(API).max_wait(Duration::from_secs(5)))
        .service(service_fn(|()| async {
            sleep(Duration::from_secs(10)).await;
            Ok::<_, Error>(())
        }));

    // Running: holds the breaker's permit and the bulkhead's.
    let mut running = Box::pin(service.clone().oneshot(()));
    assert!(poll_once(running.as_mut()).is_pending());
    assert_eq!(resile::bulkhead("layer-cancel-pool").stats().in_use, 1);
    // Dropped: everything comes back, nothing is recorded.
    drop(running);
    assert_eq!(resile::bulkhead("layer-cancel-pool").stats().in_use, 0);
    assert_eq!(resile::circuit_breaker("layer-cancel-db").stats().total, 0);

    // Waiting for its rate-limit instant: dropped, its tokens are given back.
    assert_eq!(resile::rate_limiter("layer-cancel-bucket").stats().tokens, 0.0);
    let mut waiting = Box::pin(service.clone().oneshot(()));
    assert!(poll_once(waiting.as_mut()).is_pending());
    drop(waiting);
    assert_eq!(resile::bulkhead("layer-cancel-pool").stats().in_use, 0);
    advance(Duration::from_secs(1)).await;
    assert_eq!(resile::rate_limiter("layer-cancel-bucket").stats().tokens, 1.0);
}
