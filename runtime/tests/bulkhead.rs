//! The bulkhead without macros, on tokio's paused clock: capacity, strict FIFO, `max_wait`
//! to the instant, leaving the queue, permits returned on every ending, reconfiguration and
//! stats.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

use resile_runtime::Rejection;
use resile_runtime::bulkhead::{Bulkhead, BulkheadConfig, BulkheadSite, BulkheadStats, bulkhead};
use resile_runtime::telemetry::{CallSpan, Free, Function};
use tokio::sync::oneshot;
use tokio::task::yield_now;
use tokio::time::{Instant, advance};

const MS: Duration = Duration::from_millis(1);

fn stats(max_concurrent: u32, in_use: u32, waiting: u32) -> BulkheadStats {
    BulkheadStats { max_concurrent, in_use, waiting, limit: max_concurrent }
}

/// Lets spawned tasks run until they block.
async fn settle() {
    for _ in 0..10 {
        yield_now().await;
    }
}

/// A call that takes `weight` permits of `b` (waiting up to `max_wait`), then holds them
/// until `release` fires; it reports when it was admitted (or refused) on `admitted`.
fn spawn_call(
    b: &'static Bulkhead,
    weight: u32,
    max_wait: Duration,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<Result<(), Rejection>>, oneshot::Receiver<Instant>) {
    let (release, released) = oneshot::channel::<()>();
    let (admitted_tx, admitted) = oneshot::channel();
    let task = tokio::spawn(async move {
        let permit = b.acquire(weight, max_wait, CallSpan::detached(), Function::free("test")).await;
        let _ = admitted_tx.send(Instant::now());
        let _permit = permit?;
        let _ = released.await;
        Ok(())
    });
    (release, task, admitted)
}

fn leak(name: &'static str, config: BulkheadConfig) -> &'static Bulkhead {
    Box::leak(Box::new(Bulkhead::new(name, config)))
}

#[tokio::test(start_paused = true)]
async fn capacity_counts_weights_and_refuses_at_once_with_no_wait() {
    let b = Bulkhead::new("capacity", BulkheadConfig::new(3));
    let two = b.try_acquire(2).unwrap();
    let one = b.try_acquire(1).unwrap();
    assert_eq!(b.stats(), stats(3, 3, 0));
    assert!(b.try_acquire(1).is_none());
    let start = Instant::now();
    let refused = b.call(|| async { Ok::<_, Rejection>(()) }).await;
    assert_eq!(refused, Err(Rejection::BulkheadFull { name: "capacity" }));
    assert_eq!(start.elapsed(), Duration::ZERO);
    drop(two);
    assert_eq!(b.stats(), stats(3, 1, 0));
    assert_eq!(b.try_acquire(2).map(|p| p.weight()), Some(2));
    drop(one);
    assert_eq!(b.stats(), stats(3, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn a_waiting_heavy_call_is_not_overtaken_by_lighter_ones() {
    let b = leak("fifo", BulkheadConfig::new(3));
    let held = b.try_acquire(3).unwrap();
    let (heavy_go, heavy, mut heavy_in) = spawn_call(b, 3, 100 * MS);
    settle().await;
    let (light_go, light, mut light_in) = spawn_call(b, 1, 100 * MS);
    settle().await;
    assert_eq!(b.stats(), stats(3, 3, 2));
    drop(held);
    settle().await;
    // The heavy call, first in the queue, runs; the light one still waits even though one
    // permit would have been enough for it before.
    assert!(heavy_in.try_recv().is_ok());
    assert!(light_in.try_recv().is_err());
    assert_eq!(b.stats(), stats(3, 3, 1));
    // A call that does not wait cannot overtake the light waiter either.
    assert!(b.try_acquire(1).is_none());
    heavy_go.send(()).unwrap();
    settle().await;
    assert!(light_in.try_recv().is_ok());
    assert_eq!(b.stats(), stats(3, 1, 0));
    light_go.send(()).unwrap();
    assert_eq!(heavy.await.unwrap(), Ok(()));
    assert_eq!(light.await.unwrap(), Ok(()));
    assert_eq!(b.stats(), stats(3, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn a_partial_grant_to_the_head_is_not_taken_by_a_lighter_call() {
    let b = leak("partial", BulkheadConfig::new(4));
    let a = b.try_acquire(2).unwrap();
    let c = b.try_acquire(2).unwrap();
    let (_heavy_go, _heavy, mut heavy_in) = spawn_call(b, 3, 100 * MS);
    settle().await;
    drop(a); // two permits set aside for the head waiter, which needs three
    settle().await;
    assert!(heavy_in.try_recv().is_err());
    assert!(b.try_acquire(1).is_none());
    assert_eq!(b.stats(), stats(4, 2, 1));
    drop(c);
    settle().await;
    assert!(heavy_in.try_recv().is_ok());
    assert_eq!(b.stats(), stats(4, 3, 0));
}

#[tokio::test(start_paused = true)]
async fn max_wait_is_exact_admitted_just_before_refused_at_it() {
    let b = leak("max-wait", BulkheadConfig::new(1));
    // Refused at exactly max_wait.
    let held = b.try_acquire(1).unwrap();
    let start = Instant::now();
    let refused = b.acquire(1, 50 * MS, CallSpan::detached(), Function::free("test")).await;
    assert_eq!(refused.unwrap_err(), Rejection::BulkheadFull { name: "max-wait" });
    assert_eq!(start.elapsed(), 50 * MS);
    assert_eq!(b.stats(), stats(1, 1, 0));
    // Admitted when the permit comes back just before max_wait.
    let (_go, _task, admitted) = spawn_call(b, 1, 50 * MS);
    settle().await;
    let start = Instant::now();
    advance(50 * MS - Duration::from_nanos(1)).await;
    drop(held);
    settle().await;
    let at = admitted.await.unwrap();
    assert_eq!(at - start, 50 * MS - Duration::from_nanos(1));
    assert_eq!(b.stats(), stats(1, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_waiter_that_times_out_leaves_the_queue_and_the_next_one_runs() {
    let c = leak("leave-timeout-2", BulkheadConfig::new(3));
    let a = c.try_acquire(2).unwrap();
    let _b2 = c.try_acquire(1).unwrap();
    let (_g1, head, _h) = spawn_call(c, 3, 10 * MS);
    settle().await;
    let (_g2, _light, mut light_in) = spawn_call(c, 2, 100 * MS);
    settle().await;
    drop(a); // two permits set aside for the head, which needs three
    settle().await;
    assert!(light_in.try_recv().is_err());
    assert_eq!(c.stats(), stats(3, 1, 2));
    advance(10 * MS).await;
    settle().await;
    // The head gave up at 10 ms: out of the queue at once, its two permits went on to the
    // light waiter, which runs.
    assert_eq!(head.await.unwrap(), Err(Rejection::BulkheadFull { name: "leave-timeout-2" }));
    assert!(light_in.try_recv().is_ok());
    assert_eq!(c.stats(), stats(3, 3, 0));
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_waiter_leaves_the_queue_at_once_and_the_next_one_runs() {
    let b = leak("leave-cancel", BulkheadConfig::new(3));
    let a = b.try_acquire(2).unwrap();
    let _c = b.try_acquire(1).unwrap();
    let (_g1, head, _h) = spawn_call(b, 3, Duration::from_secs(60));
    settle().await;
    let (_g2, _light, mut light_in) = spawn_call(b, 2, Duration::from_secs(60));
    settle().await;
    drop(a);
    settle().await;
    assert_eq!(b.stats(), stats(3, 1, 2));
    head.abort();
    settle().await;
    assert!(light_in.try_recv().is_ok());
    assert_eq!(b.stats(), stats(3, 3, 0));
}

#[tokio::test(start_paused = true)]
async fn permits_return_on_error_and_on_panic() {
    let b = leak("endings", BulkheadConfig::new(2));
    let failed = b.call(|| async { Err::<(), _>(Rejection::TimedOut { after: MS }) }).await;
    assert_eq!(failed, Err(Rejection::TimedOut { after: MS }));
    assert_eq!(b.stats(), stats(2, 0, 0));
    let (entered_tx, entered) = oneshot::channel::<()>();
    let (go, gone) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _permit = b.try_acquire(2).unwrap();
        let _ = entered_tx.send(());
        let _ = gone.await;
        panic!("the body panics while holding the permits");
    });
    entered.await.unwrap();
    assert_eq!(b.stats(), stats(2, 2, 0));
    go.send(()).unwrap();
    assert!(task.await.unwrap_err().is_panic());
    assert_eq!(b.stats(), stats(2, 0, 0));
    assert!(b.try_acquire(2).is_some());
}

/// Polls `fut` `k` times with a no-op waker (advancing the paused clock 1 ms between polls),
/// then drops it; whether it completed.
async fn poll_then_drop<F: Future>(fut: F, k: usize) -> bool {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..k {
        if fut.as_mut().poll(&mut cx).is_ready() {
            return true;
        }
        advance(MS).await;
    }
    false
}

#[tokio::test(start_paused = true)]
async fn cancellation_at_every_await_point_returns_everything() {
    static SITE: BulkheadSite =
        BulkheadSite::new("tests::sweep", "sweep", BulkheadConfig::new(2).weight(2).max_wait(Duration::from_millis(5)));
    let b = SITE.bulkhead();
    let mut completed_at = None;
    for k in 0..20 {
        // A holder takes one permit for 3 ms, so the call's path is: wait (weight 2), run
        // (two awaits), end.
        let holder = b.try_acquire(1).unwrap();
        let call = async move {
            let span = CallSpan::new();
            SITE.call(
                &span,
                Free,
                |r| r,
                || async {
                    tokio::time::sleep(MS).await;
                    tokio::time::sleep(MS).await;
                    Ok::<_, Rejection>(())
                },
            )
            .await
        };
        let release = async {
            tokio::time::sleep(3 * MS).await;
            drop(holder);
        };
        // Boxed, so that dropping it drops the call and the holder at once.
        let both = Box::pin(async move {
            let mut release = pin!(release);
            let mut call = pin!(call);
            let mut released = false;
            std::future::poll_fn(|cx| {
                if !released {
                    released = release.as_mut().poll(cx).is_ready();
                }
                call.as_mut().poll(cx)
            })
            .await
        });
        if poll_then_drop(both, k).await {
            completed_at.get_or_insert(k);
        }
        assert_eq!(b.stats(), stats(2, 0, 0), "after dropping at poll {k}");
    }
    // Polls at 0..=2 ms wait, the one at 3 ms is admitted (the holder returned its permit)
    // and sleeps, 4 ms sleeps again, 5 ms ends: six polls; every smaller k dropped the call
    // on the way (waiting, or holding the permits at either sleep).
    assert_eq!(completed_at, Some(6));
}

#[tokio::test(start_paused = true)]
async fn reconfigure_grows_and_shrinks_live() {
    let b = Bulkhead::named("live", BulkheadConfig::new(2).max_wait(Duration::from_secs(1)));
    let handle = bulkhead("live");
    assert_eq!(handle.config(), Some(BulkheadConfig::new(2).max_wait(Duration::from_secs(1))));
    assert_eq!(handle.name(), "live");
    let p1 = b.try_acquire(1).unwrap();
    let p2 = b.try_acquire(1).unwrap();
    let (_go, _waiter, mut waiter_in) = spawn_call(b, 1, Duration::from_secs(1));
    settle().await;
    assert_eq!(handle.stats(), stats(2, 2, 1));
    // Grow: the new permit goes to the waiter at once.
    handle.reconfigure(BulkheadConfig::new(3)).unwrap();
    settle().await;
    assert!(waiter_in.try_recv().is_ok());
    assert_eq!(handle.stats(), stats(3, 3, 0));
    // Shrink below what runs: running calls keep theirs; returns are taken back.
    handle.reconfigure(BulkheadConfig::new(1)).unwrap();
    assert_eq!(handle.stats(), stats(1, 3, 0));
    drop(p1);
    assert!(b.try_acquire(1).is_none());
    drop(p2);
    assert!(b.try_acquire(1).is_none()); // the waiter's permit is still out
    assert_eq!(handle.stats(), stats(1, 1, 0));
    // A call heavier than the new limit is refused at once, without waiting.
    let start = Instant::now();
    assert!(b.acquire(2, Duration::from_secs(1), CallSpan::detached(), Function::free("test")).await.is_err());
    assert_eq!(start.elapsed(), Duration::ZERO);
    // Invalid settings are refused, naming the key; the last good ones stay.
    let err = handle.reconfigure(BulkheadConfig::new(0)).unwrap_err();
    assert_eq!(err.key(), "max_concurrent");
    assert_eq!(handle.stats().max_concurrent, 1);
}
