//! `#[bulkhead]` through the attribute, on tokio's paused clock: capacity, FIFO with
//! weights, `max_wait` exact, permits back on cancellation and panic, events. (The bulkhead
//! itself is tested without macros in `runtime/tests/bulkhead.rs`.)

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use resile::Rejection;
use resile::bulkhead::BulkheadStats;
use resile::testing::Recorder;
use tokio::sync::oneshot;
use tokio::time::{Instant, advance, sleep};

#[derive(Debug, PartialEq)]
enum Error {
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

fn full(name: &'static str) -> Result<u32, Error> {
    Err(Error::Rejected(Rejection::BulkheadFull { name }))
}

fn stats(max_concurrent: u32, in_use: u32, waiting: u32) -> BulkheadStats {
    BulkheadStats { max_concurrent, in_use, waiting, limit: max_concurrent }
}

/// Polls `fut` once, with a waker that does nothing.
fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

#[resile::bulkhead(name = "attr-capacity", max_concurrent = 2)]
async fn capacity(hold: Duration) -> Result<u32, Error> {
    sleep(hold).await;
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn at_most_max_concurrent_run_and_the_next_is_refused_at_once() {
    let a = tokio::spawn(capacity(Duration::from_millis(10)));
    let b = tokio::spawn(capacity(Duration::from_millis(10)));
    tokio::task::yield_now().await;
    assert_eq!(resile::bulkhead("attr-capacity").stats(), stats(2, 2, 0));
    let start = Instant::now();
    assert_eq!(capacity(Duration::ZERO).await, full("attr-capacity"));
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!((a.await.unwrap(), b.await.unwrap()), (Ok(1), Ok(1)));
    assert_eq!(resile::bulkhead("attr-capacity").stats(), stats(2, 0, 0));
    assert_eq!(capacity(Duration::ZERO).await, Ok(1));
}

#[resile::bulkhead(name = "attr-fifo", max_concurrent = 3, max_wait = "1s")]
async fn light(log: &std::sync::Mutex<Vec<&'static str>>, tag: &'static str) -> Result<u32, Error> {
    log.lock().unwrap().push(tag);
    sleep(Duration::from_millis(10)).await;
    Ok(1)
}

#[resile::bulkhead(name = "attr-fifo", max_concurrent = 3, max_wait = "1s", weight = 3)]
async fn heavy(log: &std::sync::Mutex<Vec<&'static str>>, tag: &'static str) -> Result<u32, Error> {
    log.lock().unwrap().push(tag);
    sleep(Duration::from_millis(10)).await;
    Ok(3)
}

/// A waiting heavy call is not overtaken by lighter ones that come after it, even when
/// their permits are free before its are.
#[tokio::test(start_paused = true)]
async fn fifo_with_weights_a_heavy_waiter_is_not_overtaken() {
    let log = std::sync::Mutex::new(Vec::new());
    let start = Instant::now();
    let (r1, r2, r3, r4) = tokio::join!(
        light(&log, "light-1"), // runs at 0 (1 permit)
        heavy(&log, "heavy"),   // needs 3: waits for light-1
        light(&log, "light-2"), // 2 permits free, but queued behind heavy
        async {
            tokio::task::yield_now().await;
            assert_eq!(resile::bulkhead("attr-fifo").stats(), stats(3, 1, 2));
            light(&log, "light-3").await
        },
    );
    assert_eq!((r1, r2, r3, r4), (Ok(1), Ok(3), Ok(1), Ok(1)));
    assert_eq!(*log.lock().unwrap(), ["light-1", "heavy", "light-2", "light-3"]);
    // light-1 0..10 ms, heavy 10..20 ms, then light-2 and light-3 together 20..30 ms.
    assert_eq!(start.elapsed(), Duration::from_millis(30));
    assert_eq!(resile::bulkhead("attr-fifo").stats(), stats(3, 0, 0));
}

#[resile::bulkhead(name = "attr-wait", max_concurrent = 1, max_wait = "50ms")]
async fn waits(hold: Duration) -> Result<u32, Error> {
    sleep(hold).await;
    Ok(1)
}

/// `max_wait` exact: a permit back at 49 ms admits the waiter then; one back at 51 ms comes
/// too late, and the waiter is refused at 50 ms exactly. (A permit back at 50 ms, the same
/// tick as the deadline, goes either way: whichever of the two tasks tokio polls first.)
#[tokio::test(start_paused = true)]
async fn max_wait_is_exact() {
    let holder = tokio::spawn(waits(Duration::from_millis(49)));
    tokio::task::yield_now().await;
    let start = Instant::now();
    assert_eq!(waits(Duration::ZERO).await, Ok(1));
    assert_eq!(start.elapsed(), Duration::from_millis(49));
    holder.await.unwrap().unwrap();

    let holder = tokio::spawn(waits(Duration::from_millis(51)));
    tokio::task::yield_now().await;
    let start = Instant::now();
    assert_eq!(waits(Duration::ZERO).await, full("attr-wait"));
    assert_eq!(start.elapsed(), Duration::from_millis(50));
    assert_eq!(resile::bulkhead("attr-wait").stats(), stats(1, 1, 0));
    holder.await.unwrap().unwrap();
    assert_eq!(resile::bulkhead("attr-wait").stats(), stats(1, 0, 0));
}

#[resile::bulkhead(name = "attr-cancel", max_concurrent = 1, max_wait = "1s")]
async fn cancellable() -> Result<u32, Error> {
    sleep(Duration::from_secs(10)).await;
    Ok(1)
}

/// A running call dropped at its await gives its permit back; a waiting call dropped leaves
/// the queue at once.
#[tokio::test(start_paused = true)]
async fn permits_come_back_on_cancellation() {
    let b = resile::bulkhead("attr-cancel");
    {
        let mut running = pin!(cancellable());
        assert!(poll_once(running.as_mut()).is_pending());
        assert_eq!(b.stats(), stats(1, 1, 0));
        let mut waiting = pin!(cancellable());
        assert!(poll_once(waiting.as_mut()).is_pending());
        assert_eq!(b.stats(), stats(1, 1, 1));
    }
    assert_eq!(b.stats(), stats(1, 0, 0));
    // The permit is free: the next call is admitted at once.
    let mut next = pin!(cancellable());
    assert!(poll_once(next.as_mut()).is_pending());
    assert_eq!(b.stats(), stats(1, 1, 0));
}

#[resile::bulkhead(name = "attr-panic", max_concurrent = 1)]
async fn panics(yes: bool) -> Result<u32, Error> {
    tokio::task::yield_now().await;
    if yes {
        panic!("the body panicked");
    }
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn permits_come_back_on_panic() {
    let panicked = tokio::spawn(panics(true)).await;
    assert!(panicked.unwrap_err().is_panic());
    assert_eq!(resile::bulkhead("attr-panic").stats(), stats(1, 0, 0));
    assert_eq!(panics(false).await, Ok(1));
}

#[resile::bulkhead(name = "attr-events", max_concurrent = 1, max_wait = "20ms")]
async fn observed(done: Option<oneshot::Receiver<()>>) -> Result<u32, Error> {
    if let Some(done) = done {
        let _ = done.await;
    }
    Ok(1)
}

/// A wait is a `bulkhead_wait` event with the exact time waited; a refusal a `rejected`.
#[tokio::test(start_paused = true)]
async fn waits_and_refusals_are_events() {
    let recorder = Recorder::new();
    recorder
        .record(async {
            let (release, done) = oneshot::channel();
            let holder = tokio::spawn(observed(Some(done)));
            tokio::task::yield_now().await;
            let (waited, ()) = tokio::join!(observed(None), async {
                advance(Duration::from_millis(7)).await;
                release.send(()).unwrap();
            });
            assert_eq!(waited, Ok(1));
            holder.await.unwrap().unwrap();
            let (_release, done) = oneshot::channel();
            let holder = tokio::spawn(observed(Some(done)));
            tokio::task::yield_now().await;
            assert_eq!(observed(None).await, full("attr-events"));
            holder.abort();
        })
        .await;
    let events: Vec<String> = recorder.events().iter().map(ToString::to_string).collect();
    assert_eq!(
        events,
        [
            "bulkhead_wait function=bulkhead::observed name=attr-events delay=7ms",
            "rejected function=bulkhead::observed name=attr-events: bulkhead `attr-events` is full",
        ]
    );
}

struct Pool;

impl Pool {
    #[resile::bulkhead(name = "attr-method", max_concurrent = 1)]
    async fn get(&self, id: u32) -> Result<u32, Error> {
        Ok(id)
    }
}

#[tokio::test(start_paused = true)]
async fn methods_are_guarded_too() {
    assert_eq!(Pool.get(4).await, Ok(4));
    assert_eq!(resile::bulkhead("attr-method").stats(), stats(1, 0, 0));
}
