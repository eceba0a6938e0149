//! `#[timeout]` through the attribute (positional, `after =`, fractional seconds) and the
//! runtime value `resile::Timeout`: the exact `Rejection::TimedOut { after }` at the deadline,
//! fast calls passing through untouched, and the inner future dropped at the deadline.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use resile::{Policy, Rejection, Timeout};
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum E {
    Own(u32),
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

fn timed_out(after: Duration) -> E {
    E::Rejected(Rejection::TimedOut { after })
}

/// Records the virtual instant at which it is dropped.
struct DropGuard<'a>(&'a Mutex<Option<Instant>>);
impl Drop for DropGuard<'_> {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(Instant::now());
    }
}

#[resile::timeout("250ms")]
async fn positional(work: Duration) -> Result<Duration, E> {
    tokio::time::sleep(work).await;
    Ok(work)
}

#[resile::timeout(after = "250ms")]
async fn named(work: Duration) -> Result<Duration, E> {
    tokio::time::sleep(work).await;
    Ok(work)
}

#[resile::timeout("0.25s")]
async fn fractional_seconds(work: Duration) -> Result<Duration, E> {
    tokio::time::sleep(work).await;
    Ok(work)
}

#[resile::timeout("2s")]
async fn seconds(work: Duration) -> Result<Duration, E> {
    tokio::time::sleep(work).await;
    Ok(work)
}

#[resile::timeout("1m")]
async fn minutes(work: Duration) -> Result<Duration, E> {
    tokio::time::sleep(work).await;
    Ok(work)
}

async fn timed<T>(f: impl Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let out = f.await;
    (out, start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn times_out_exactly_at_the_deadline() {
    let after = ms(250);
    assert_eq!(timed(positional(ms(1000))).await, (Err(timed_out(after)), after));
    assert_eq!(timed(named(ms(1000))).await, (Err(timed_out(after)), after));
    assert_eq!(timed(fractional_seconds(ms(1000))).await, (Err(timed_out(after)), after));
    assert_eq!(timed(positional(Duration::MAX / 4)).await, (Err(timed_out(after)), after));
    assert_eq!(timed(seconds(ms(5000))).await, (Err(timed_out(ms(2000))), ms(2000)));
    assert_eq!(timed(minutes(ms(61_000))).await, (Err(timed_out(ms(60_000))), ms(60_000)));
}

#[tokio::test(start_paused = true)]
async fn a_fast_call_passes_through() {
    assert_eq!(timed(positional(ms(249))).await, (Ok(ms(249)), ms(249)));
    assert_eq!(timed(named(Duration::ZERO)).await, (Ok(Duration::ZERO), Duration::ZERO));
    assert_eq!(timed(fractional_seconds(ms(1))).await, (Ok(ms(1)), ms(1)));
    assert_eq!(timed(minutes(ms(59_999))).await, (Ok(ms(59_999)), ms(59_999)));
}

#[resile::timeout("250ms")]
async fn own_error(work: Duration, code: u32) -> Result<(), E> {
    tokio::time::sleep(work).await;
    Err(E::Own(code))
}

#[tokio::test(start_paused = true)]
async fn the_body_error_passes_through_unchanged() {
    assert_eq!(timed(own_error(ms(100), 7)).await, (Err(E::Own(7)), ms(100)));
    assert_eq!(timed(own_error(ms(300), 7)).await, (Err(timed_out(ms(250))), ms(250)));
}

#[resile::timeout("250ms")]
async fn guarded(dropped: &Mutex<Option<Instant>>, progress: &AtomicU32) -> Result<(), E> {
    let _guard = DropGuard(dropped);
    progress.fetch_add(1, SeqCst);
    tokio::time::sleep(ms(200)).await;
    progress.fetch_add(1, SeqCst);
    std::future::pending::<()>().await;
    unreachable!()
}

#[tokio::test(start_paused = true)]
async fn the_inner_future_is_dropped_at_the_deadline() {
    let dropped = Mutex::new(None);
    let progress = AtomicU32::new(0);
    let start = Instant::now();
    assert_eq!(guarded(&dropped, &progress).await, Err(timed_out(ms(250))));
    assert_eq!(*dropped.lock().unwrap(), Some(start + ms(250)));
    assert_eq!(progress.load(SeqCst), 2);
    // nothing of the body runs afterwards
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(progress.load(SeqCst), 2);
}

struct Client {
    latency: Duration,
    calls: u32,
}

impl Client {
    #[resile::timeout("100ms")]
    async fn get(&mut self, key: &str) -> Result<String, E> {
        self.calls += 1;
        tokio::time::sleep(self.latency).await;
        Ok(key.to_uppercase())
    }
}

#[resile::timeout("100ms")]
async fn generic_echo<T: Clone + Send>(value: &T, work: Duration) -> Result<T, E> {
    tokio::time::sleep(work).await;
    Ok(value.clone())
}

#[tokio::test(start_paused = true)]
async fn methods_borrowed_arguments_and_generics() {
    let mut c = Client { latency: ms(10), calls: 0 };
    assert_eq!(c.get("k").await, Ok("K".to_owned()));
    c.latency = ms(500);
    assert_eq!(timed(c.get("k")).await, (Err(timed_out(ms(100))), ms(100)));
    assert_eq!(c.calls, 2);
    assert_eq!(generic_echo(&vec![1, 2], ms(5)).await, Ok(vec![1, 2]));
    assert_eq!(generic_echo(&"s", ms(500)).await, Err(timed_out(ms(100))));
}

#[tokio::test(start_paused = true)]
async fn guarded_future_is_send_and_spawnable() {
    let h = tokio::spawn(timed(positional(ms(1000))));
    assert_eq!(h.await.unwrap(), (Err(timed_out(ms(250))), ms(250)));
}

/// Spends tokio's cooperative budget in every poll, so its task is always ready to run
/// again and never lets the runtime idle.
#[resile::timeout("20ms")]
async fn spends_the_budget() -> Result<(), E> {
    loop {
        tokio::task::consume_budget().await;
    }
}

/// A body that spends the whole cooperative budget in each poll is still cut at its deadline,
/// on the real clock: the timer is polled outside the budget the body spent, as
/// `tokio::time::timeout` polls its own (tokio's `timeout` here is only a watchdog).
#[tokio::test]
async fn a_body_spending_the_cooperative_budget_is_still_cut() {
    let watchdog = tokio::time::timeout(Duration::from_secs(10), spends_the_budget());
    assert_eq!(watchdog.await, Ok(Err(timed_out(ms(20)))));
    let free = resile::timeout::timeout("free-fn", ms(20), async {
        loop {
            tokio::task::consume_budget().await;
        }
    });
    let watchdog = tokio::time::timeout(Duration::from_secs(10), free);
    assert_eq!(watchdog.await, Ok(Err::<(), _>(timed_out(ms(20)))));
}

#[test]
fn rejection_reads_well() {
    assert_eq!(Rejection::TimedOut { after: ms(250) }.to_string(), "timed out after 250ms");
    let e: Box<dyn std::error::Error> = Box::new(Rejection::TimedOut { after: ms(1) });
    assert!(e.source().is_none());
}

// ---- the runtime value, without the macro ----------------------------------------------------

#[tokio::test(start_paused = true)]
async fn runtime_timeout_value() {
    let t = Timeout::new(ms(50));
    assert_eq!(t.after(), ms(50));
    let slow = t.call(|| async {
        tokio::time::sleep(ms(60)).await;
        Ok::<_, E>(1)
    });
    assert_eq!(timed(slow).await, (Err(timed_out(ms(50))), ms(50)));
    let fast = t.call(|| async {
        tokio::time::sleep(ms(40)).await;
        Ok::<_, E>(2)
    });
    assert_eq!(timed(fast).await, (Ok(2), ms(40)));
    // the same value through the `Policy` trait, erroring as `Rejection` itself
    async fn via_policy<P: Policy<Rejection>>(p: &P, work: Duration) -> Result<u32, Rejection> {
        p.call(|| async move {
            tokio::time::sleep(work).await;
            Ok(3)
        })
        .await
    }
    assert_eq!(via_policy(&t, ms(10)).await, Ok(3));
    assert_eq!(timed(via_policy(&t, ms(51))).await, (Err(Rejection::TimedOut { after: ms(50) }), ms(50)));
}

#[tokio::test(start_paused = true)]
async fn runtime_timeout_drops_the_future_at_the_deadline() {
    let dropped = Mutex::new(None);
    let start = Instant::now();
    let r: Result<(), E> = Timeout::new(ms(75))
        .call(|| async {
            let _g = DropGuard(&dropped);
            std::future::pending().await
        })
        .await;
    assert_eq!(r, Err(timed_out(ms(75))));
    assert_eq!(*dropped.lock().unwrap(), Some(start + ms(75)));
    let r: Result<(), E> = resile::timeout::timeout("free-fn", ms(20), std::future::pending()).await;
    assert_eq!((r, start.elapsed()), (Err(timed_out(ms(20))), ms(95)));
}

#[test]
#[should_panic(expected = "greater than zero")]
fn runtime_timeout_rejects_zero() {
    let _ = Timeout::new(Duration::ZERO);
}

/// Polls `fut` once from the test's own task, with a whole cooperative budget (the yield
/// gives the task a fresh one).
async fn poll_once<F: Future>(mut fut: std::pin::Pin<&mut F>) -> std::task::Poll<F::Output> {
    tokio::task::yield_now().await;
    std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx))).await
}

/// Spends tokio's cooperative budget in every poll, and never ends.
async fn spends_the_budget_unguarded() -> Result<(), E> {
    loop {
        tokio::task::consume_budget().await;
    }
}

/// The same, under a `#[timeout]`: the control for the two tests below.
#[resile::timeout("20ms")]
async fn spends_the_budget_under_a_timeout() -> Result<(), E> {
    spends_the_budget_unguarded().await
}

/// Under a hedge with a `timeout`.
#[resile::hedge(delay = "10ms", max_requests = 2, timeout = "20ms")]
async fn spends_the_budget_under_a_hedge() -> Result<(), E> {
    spends_the_budget_unguarded().await
}

/// At the deadline, in the poll in which the body spends the whole cooperative budget: the
/// timer is still polled (outside the spent budget), so the call is cut in that poll, on the
/// paused clock. `#[timeout]`, a hedge's `timeout` and a combinator's `.timeout(d)` alike.
#[tokio::test(start_paused = true)]
async fn every_timeout_is_cut_in_a_poll_that_spends_the_budget() {
    let mut timed = std::pin::pin!(spends_the_budget_under_a_timeout());
    let mut hedged = std::pin::pin!(spends_the_budget_under_a_hedge());
    let mut raced = std::pin::pin!(resile::race([spends_the_budget_unguarded()]).timeout(ms(20)));
    assert!(poll_once(timed.as_mut()).await.is_pending());
    assert!(poll_once(hedged.as_mut()).await.is_pending());
    assert!(poll_once(raced.as_mut()).await.is_pending());
    tokio::time::advance(ms(20)).await;
    assert_eq!(poll_once(timed.as_mut()).await, std::task::Poll::Ready(Err(timed_out(ms(20)))), "#[timeout]");
    assert_eq!(poll_once(hedged.as_mut()).await, std::task::Poll::Ready(Err(timed_out(ms(20)))), "#[hedge]");
    assert_eq!(poll_once(raced.as_mut()).await, std::task::Poll::Ready(Err(timed_out(ms(20)))), "race(..).timeout");
}
