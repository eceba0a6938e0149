//! The combinators on tokio's paused clock: exact instants, losers dropped at once (a drop
//! guard counts them), bounded concurrency measured, panics per the documented semantics.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::BoxFuture;
use resile_runtime::combinators::Settled;
use resile_runtime::{Rejection, all_settled, first_ok, map, race};
use tokio::time::{Instant, sleep};

#[derive(Debug, PartialEq)]
enum Error {
    Failed(u64),
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Counts the futures dropped before they finished.
struct Guard<'a> {
    dropped: &'a AtomicUsize,
    done: bool,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// After `delay`, `Ok(delay in ms)` or `Err(Failed(delay in ms))`; counted in `dropped` if
/// dropped before.
fn job(delay: u64, ok: bool, dropped: &AtomicUsize) -> BoxFuture<'_, Result<u64, Error>> {
    async move {
        let mut guard = Guard { dropped, done: false };
        sleep(ms(delay)).await;
        guard.done = true;
        if ok { Ok(delay) } else { Err(Error::Failed(delay)) }
    }
    .boxed()
}

fn panics(delay: u64) -> BoxFuture<'static, Result<u64, Error>> {
    async move {
        sleep(ms(delay)).await;
        panic!("branch {delay} crashed")
    }
    .boxed()
}

#[tokio::test(start_paused = true)]
async fn race_returns_the_first_ok_and_drops_the_losers_at_once() {
    let dropped = AtomicUsize::new(0);
    let start = Instant::now();
    let fut =
        race([job(30, true, &dropped), job(10, false, &dropped), job(20, true, &dropped), job(50, true, &dropped)]);
    assert_eq!(fut.await, Ok(20));
    assert_eq!(start.elapsed(), ms(20));
    assert_eq!(dropped.load(Ordering::SeqCst), 2, "the 30 ms and 50 ms jobs were dropped at the winner");
}

#[tokio::test(start_paused = true)]
async fn race_without_an_ok_returns_the_last_error() {
    let dropped = AtomicUsize::new(0);
    let start = Instant::now();
    assert_eq!(race([job(10, false, &dropped), job(25, false, &dropped)]).await, Err(Error::Failed(25)));
    assert_eq!(start.elapsed(), ms(25));
}

#[tokio::test(start_paused = true)]
async fn race_skips_a_panicking_branch() {
    let dropped = AtomicUsize::new(0);
    let start = Instant::now();
    assert_eq!(race([panics(5), job(10, true, &dropped)]).await, Ok(10));
    assert_eq!(start.elapsed(), ms(10));
    // With no Ok, an error beats a panic.
    assert_eq!(race([panics(5), job(10, false, &dropped)]).await, Err(Error::Failed(10)));
}

#[tokio::test(start_paused = true)]
async fn race_resumes_the_first_panic_when_every_branch_panicked() {
    let caught = std::panic::AssertUnwindSafe(race([panics(20), panics(10)])).catch_unwind().await;
    let payload = caught.expect_err("every branch panicked");
    assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("branch 10 crashed"));
}

#[tokio::test(start_paused = true)]
async fn race_timeout_fires_exactly_and_drops_everything() {
    let dropped = AtomicUsize::new(0);
    let start = Instant::now();
    let result = race([job(100, true, &dropped), job(200, true, &dropped)]).timeout(ms(50)).await;
    assert_eq!(result, Err(Error::Rejected(Rejection::TimedOut { after: ms(50) })));
    assert_eq!(start.elapsed(), ms(50));
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
    // An Ok before the deadline wins.
    assert_eq!(race([job(49, true, &dropped)]).timeout(ms(50)).await, Ok(49));
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "at least one future")]
async fn race_of_nothing_panics() {
    drop(race(Vec::<BoxFuture<'static, Result<u64, Error>>>::new()));
}

#[tokio::test(start_paused = true)]
async fn all_settled_returns_every_result_in_input_order() {
    let dropped = AtomicUsize::new(0);
    let start = Instant::now();
    let results =
        all_settled([job(30, true, &dropped), job(10, false, &dropped), panics(20), job(5, true, &dropped)]).await;
    assert_eq!(start.elapsed(), ms(30));
    assert_eq!(results.len(), 4);
    assert_eq!(results[0], Settled::Ok(30));
    assert_eq!(results[1], Settled::Err(Error::Failed(10)));
    assert_eq!(results[2].panic_message(), Some("branch 20 crashed"));
    assert_eq!(results[3], Settled::Ok(5));
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn all_settled_timeout_keeps_the_finished_and_marks_the_rest() {
    let dropped = AtomicUsize::new(0);
    let start = Instant::now();
    let results = all_settled([job(100, true, &dropped), job(10, true, &dropped), job(40, false, &dropped)])
        .timeout(ms(50))
        .await;
    assert_eq!(start.elapsed(), ms(50));
    assert_eq!(results, [Settled::TimedOut, Settled::Ok(10), Settled::Err(Error::Failed(40))]);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn map_bounds_concurrency_and_keeps_input_order() {
    let in_flight = Cell::new(0);
    let peak = Cell::new(0);
    let start = Instant::now();
    // Items take 40, 10, 30, 20, 10 ms; with 2 at a time: [40 | 10 → 30 (10..40) ] → 20 (40..60), 10 (40..50).
    let result = map([40u64, 10, 30, 20, 10], 2, |d| {
        let (in_flight, peak) = (&in_flight, &peak);
        async move {
            in_flight.set(in_flight.get() + 1);
            peak.set(peak.get().max(in_flight.get()));
            sleep(ms(d)).await;
            in_flight.set(in_flight.get() - 1);
            Ok::<_, Error>(d * 2)
        }
    })
    .await;
    assert_eq!(result, Ok(vec![80, 20, 60, 40, 20]));
    assert_eq!(peak.get(), 2);
    assert_eq!(start.elapsed(), ms(60));
}

#[tokio::test(start_paused = true)]
async fn map_cancels_the_rest_on_the_first_failure() {
    let dropped = AtomicUsize::new(0);
    let started = AtomicUsize::new(0);
    let start = Instant::now();
    // 3 at a time: 50 (ok), 20 (fails at 20 ms), 100 (ok); 10 and 10 never start.
    let result = map([(50, true), (20, false), (100, true), (10, true), (10, true)], 3, |(d, ok)| {
        started.fetch_add(1, Ordering::SeqCst);
        job(d, ok, &dropped)
    })
    .await;
    assert_eq!(result, Err(Error::Failed(20)));
    assert_eq!(start.elapsed(), ms(20));
    assert_eq!(started.load(Ordering::SeqCst), 3);
    assert_eq!(dropped.load(Ordering::SeqCst), 2, "the 50 ms and 100 ms items were dropped at once");
}

#[tokio::test(start_paused = true)]
async fn map_resumes_a_panic_after_dropping_the_rest() {
    let dropped = AtomicUsize::new(0);
    let fut = map([0u64, 1], 2, |i| if i == 0 { panics(10) } else { job(100, true, &dropped) });
    let caught = std::panic::AssertUnwindSafe(fut).catch_unwind().await;
    assert_eq!(caught.expect_err("the panic is resumed").downcast_ref::<String>().unwrap(), "branch 10 crashed");
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn map_timeout_fires_exactly() {
    let dropped = AtomicUsize::new(0);
    let start = Instant::now();
    let result = map([30u64, 30, 30], 1, |d| job(d, true, &dropped)).timeout(ms(70)).await;
    assert_eq!(result, Err(Error::Rejected(Rejection::TimedOut { after: ms(70) })));
    assert_eq!(start.elapsed(), ms(70));
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "the third item, running at the deadline");
}

#[tokio::test(start_paused = true)]
async fn first_ok_runs_sequentially_and_stops_at_the_first_ok() {
    let dropped = AtomicUsize::new(0);
    let started = Cell::new(Vec::new());
    let start = Instant::now();
    let step = |n: u64, delay: u64, ok: bool| {
        let (started, dropped) = (&started, &dropped);
        async move {
            let mut s = started.take();
            s.push((n, start.elapsed()));
            started.set(s);
            job(delay, ok, dropped).await
        }
        .boxed_local()
    };
    let result = first_ok([step(1, 10, false), step(2, 20, true), step(3, 5, true)]).await;
    assert_eq!(result, Ok(20));
    assert_eq!(start.elapsed(), ms(30));
    assert_eq!(started.take(), vec![(1, ms(0)), (2, ms(10))], "each starts after the previous failed; 3 never");
}

#[tokio::test(start_paused = true)]
async fn first_ok_skips_a_panic_and_returns_the_last_error() {
    let dropped = AtomicUsize::new(0);
    assert_eq!(first_ok([panics(5), job(10, true, &dropped)]).await, Ok(10));
    assert_eq!(first_ok([job(10, false, &dropped), panics(5)]).await, Err(Error::Failed(10)));
}

#[tokio::test(start_paused = true)]
async fn first_ok_timeout_is_one_budget_for_the_chain() {
    let dropped = AtomicUsize::new(0);
    let start = Instant::now();
    let result =
        first_ok([job(30, false, &dropped), job(30, false, &dropped), job(30, true, &dropped)]).timeout(ms(75)).await;
    assert_eq!(result, Err(Error::Rejected(Rejection::TimedOut { after: ms(75) })));
    assert_eq!(start.elapsed(), ms(75));
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "the third step, running at the deadline");
}
