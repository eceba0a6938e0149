//! Cancellation: dropping a guarded call's future mid-sleep stops the retry loop for good,
//! mid-attempt drops the attempt (its guards run), and `tokio::time::timeout` or `select!`
//! around a guarded call cancel it at an exact virtual instant.

use std::pin::pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::task::Poll;
use std::time::Duration;

use resile::Rejection;
use tokio::time::Instant;

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

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Records the virtual instant at which it is dropped.
struct DropGuard<'a>(&'a Mutex<Vec<Instant>>);
impl Drop for DropGuard<'_> {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(Instant::now());
    }
}

#[resile::retry(max = 10, backoff = "exp", base_delay = "100ms", jitter = "none")]
async fn always_fails(calls: &AtomicU32) -> Result<(), E> {
    Err(E::Flaky(calls.fetch_add(1, SeqCst) + 1))
}

#[tokio::test(start_paused = true)]
async fn dropped_mid_sleep_no_further_attempt_runs() {
    let calls = AtomicU32::new(0);
    {
        let mut fut = Box::pin(always_fails(&calls));
        // first poll: attempt 1 fails and the call goes to sleep for 100 ms
        assert!(futures::poll!(fut.as_mut()).is_pending());
        assert_eq!(calls.load(SeqCst), 1);
        tokio::time::advance(ms(100)).await;
        assert!(futures::poll!(fut.as_mut()).is_pending());
        assert_eq!(calls.load(SeqCst), 2); // attempt 2 ran, now sleeping 200 ms
        tokio::time::advance(ms(150)).await;
    } // dropped 50 ms before attempt 3
    tokio::time::advance(Duration::from_secs(3600)).await;
    tokio::task::yield_now().await;
    assert_eq!(calls.load(SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn tokio_timeout_around_a_retry_loop_stops_it() {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let start = Instant::now();
    // attempts at 0, 100, 300; sleeping until 700 when the 500 ms deadline hits
    assert!(tokio::time::timeout(ms(500), always_fails(&CALLS)).await.is_err());
    assert_eq!((CALLS.load(SeqCst), start.elapsed()), (3, ms(500)));
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(CALLS.load(SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn aborted_task_mid_sleep_runs_no_further_attempt() {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let task = tokio::spawn(always_fails(&CALLS));
    tokio::time::sleep(ms(150)).await; // attempts at 0 and 100; sleeping until 300
    assert_eq!(CALLS.load(SeqCst), 2);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(CALLS.load(SeqCst), 2);
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "10ms", jitter = "none")]
async fn slow_attempt(calls: &AtomicU32, drops: &Mutex<Vec<Instant>>) -> Result<(), E> {
    let n = calls.fetch_add(1, SeqCst) + 1;
    let _guard = DropGuard(drops);
    tokio::time::sleep(ms(1000)).await;
    Err(E::Flaky(n))
}

#[tokio::test(start_paused = true)]
async fn dropped_mid_attempt_drops_the_attempt() {
    let calls = AtomicU32::new(0);
    let drops = Mutex::new(Vec::new());
    let start = Instant::now();
    {
        let mut fut = pin!(slow_attempt(&calls, &drops));
        assert!(futures::poll!(fut.as_mut()).is_pending());
        tokio::time::advance(ms(400)).await;
        assert!(futures::poll!(fut.as_mut()).is_pending());
        assert!(drops.lock().unwrap().is_empty(), "the attempt is still running");
    }
    assert_eq!(*drops.lock().unwrap(), [start + ms(400)]);
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert_eq!(calls.load(SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn tokio_timeout_drops_the_running_attempt_at_the_deadline() {
    let calls = AtomicU32::new(0);
    let drops = Mutex::new(Vec::new());
    let start = Instant::now();
    // attempt 1: 0..1000 fails, sleep 10, attempt 2 from 1010, cut at 1500
    assert!(tokio::time::timeout(ms(1500), slow_attempt(&calls, &drops)).await.is_err());
    assert_eq!(calls.load(SeqCst), 2);
    assert_eq!(*drops.lock().unwrap(), [start + ms(1000), start + ms(1500)]);
}

#[resile::timeout("1s")]
async fn guarded_timeout(drops: &Mutex<Vec<Instant>>, progress: &AtomicU32) -> Result<(), E> {
    let _guard = DropGuard(drops);
    loop {
        tokio::time::sleep(ms(100)).await;
        progress.fetch_add(1, SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn shorter_tokio_timeout_around_a_resile_timeout_wins() {
    let drops = Mutex::new(Vec::new());
    let progress = AtomicU32::new(0);
    let start = Instant::now();
    assert!(tokio::time::timeout(ms(250), guarded_timeout(&drops, &progress)).await.is_err());
    assert_eq!((drops.lock().unwrap().clone(), progress.load(SeqCst)), (vec![start + ms(250)], 2));
    // and a longer one lets the resile deadline fire first, with its rejection
    let drops2 = Mutex::new(Vec::new());
    let start = Instant::now();
    let r = tokio::time::timeout(ms(5000), guarded_timeout(&drops2, &progress)).await;
    assert_eq!(r, Ok(Err(E::Rejected(Rejection::TimedOut { after: ms(1000) }))));
    assert_eq!(*drops2.lock().unwrap(), [start + ms(1000)]);
    tokio::time::sleep(Duration::from_secs(10)).await;
    // ticks at 100..=1000 ms (at 1000 the body is polled before the deadline), none after the drop
    assert_eq!(progress.load(SeqCst), 2 + 10);
}

#[resile::retry(max = 5, backoff = "constant", base_delay = "100ms", jitter = "none")]
#[resile::timeout("50ms")]
async fn stacked(calls: &AtomicU32, drops: &Mutex<Vec<Instant>>) -> Result<(), E> {
    calls.fetch_add(1, SeqCst);
    let _guard = DropGuard(drops);
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn select_cancels_a_stacked_call_between_attempts() {
    let calls = AtomicU32::new(0);
    let drops = Mutex::new(Vec::new());
    let start = Instant::now();
    tokio::select! {
        r = stacked(&calls, &drops) => panic!("the call cannot finish first: {r:?}"),
        () = tokio::time::sleep(ms(200)) => {}
    }
    // attempt 1 cut at 50, sleep to 150, attempt 2 running at 200 and dropped then
    assert_eq!(calls.load(SeqCst), 2);
    assert_eq!(*drops.lock().unwrap(), [start + ms(50), start + ms(200)]);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(calls.load(SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_call_does_not_disturb_the_next_one() {
    let calls = AtomicU32::new(0);
    let drops = Mutex::new(Vec::new());
    let mut fut = Box::pin(stacked(&calls, &drops));
    assert_eq!(futures::poll!(fut.as_mut()), Poll::Pending);
    drop(fut);
    assert_eq!(drops.lock().unwrap().len(), 1, "the running attempt was dropped");
    let start = Instant::now();
    // a fresh call still makes all 5 attempts: 5 × 50 + 4 × 100
    let r = stacked(&calls, &drops).await;
    assert_eq!(
        (r, calls.load(SeqCst), start.elapsed()),
        (Err(E::Rejected(Rejection::TimedOut { after: ms(50) })), 6, ms(650))
    );
}
