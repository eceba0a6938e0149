//! `#[single_flight]` through the attribute, on the paused clock, with exact counts: equal
//! keys share one execution, different keys do not, the execution outlives a cancelled
//! first caller and not its last caller, errors are shared, `forget` starts afresh, and the
//! plain value `resile::SingleFlight` behaves the same.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::task::Poll;
use std::time::Duration;

use futures::future::join_all;
use futures::poll;
use resile::Rejection;
use tokio::time::sleep;

#[derive(Debug, Clone, PartialEq)]
enum E {
    Failed(u32),
    Rejected(Rejection),
}
impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}

const LOAD: Duration = Duration::from_millis(100);

/// Counts a body that started, and when dropped (done or not) one that ended.
struct Body(&'static AtomicU32);
impl Body {
    fn start(started: &'static AtomicU32, ended: &'static AtomicU32) -> Self {
        started.fetch_add(1, SeqCst);
        Body(ended)
    }
}
impl Drop for Body {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

static EQUAL_RUNS: AtomicU32 = AtomicU32::new(0);

#[resile::single_flight(key = id)]
async fn equal_keys(id: u64) -> Result<u64, E> {
    let n = EQUAL_RUNS.fetch_add(1, SeqCst);
    sleep(LOAD).await;
    Ok(id * 10 + u64::from(n))
}

#[tokio::test(start_paused = true)]
async fn a_hundred_callers_with_one_key_share_one_execution() {
    let results = join_all((0..100).map(|_| equal_keys(7))).await;
    assert_eq!(EQUAL_RUNS.load(SeqCst), 1);
    assert_eq!(results, vec![Ok(70); 100]);
    let stats = resile::single_flight::stats("equal_keys").unwrap();
    assert_eq!((stats.in_flight, stats.started, stats.joined), (0, 1, 99));
    // Completed: nothing is cached, the next call runs the body again.
    assert_eq!(equal_keys(7).await, Ok(71));
    assert_eq!(EQUAL_RUNS.load(SeqCst), 2);
}

static SPAWNED_RUNS: AtomicU32 = AtomicU32::new(0);

#[resile::single_flight(key = id)]
async fn spawned(id: u64) -> Result<u64, E> {
    SPAWNED_RUNS.fetch_add(1, SeqCst);
    sleep(LOAD).await;
    Ok(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_in_tasks_of_their_own_share_one_execution() {
    // The guarded call is `Send`: it can be spawned, and its callers polled from two threads.
    let tasks: Vec<_> = (0..50).map(|_| tokio::spawn(spawned(3))).collect();
    let results: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results, vec![Ok(3); 50]);
    let stats = resile::single_flight::stats("spawned").unwrap();
    assert_eq!(u64::from(SPAWNED_RUNS.load(SeqCst)), stats.started);
    assert_eq!(stats.started + stats.joined, 50);
}

static KEYED_RUNS: AtomicU32 = AtomicU32::new(0);

#[resile::single_flight(key = symbol.as_str())]
async fn by_symbol(symbol: String) -> Result<usize, E> {
    KEYED_RUNS.fetch_add(1, SeqCst);
    sleep(LOAD).await;
    Ok(symbol.len())
}

#[tokio::test(start_paused = true)]
async fn different_keys_have_executions_of_their_own() {
    let symbols = ["AAPL", "MSFT", "GOOGL"];
    let calls = (0..30).map(|i| by_symbol(symbols[i % 3].to_owned()));
    let results = join_all(calls).await;
    assert_eq!(KEYED_RUNS.load(SeqCst), 3);
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r, Ok(symbols[i % 3].len()));
    }
}

static CANCEL_STARTED: AtomicU32 = AtomicU32::new(0);
static CANCEL_ENDED: AtomicU32 = AtomicU32::new(0);
static CANCEL_DONE: AtomicU32 = AtomicU32::new(0);

#[resile::single_flight(key = id)]
async fn first_cancelled(id: u64) -> Result<u64, E> {
    let _body = Body::start(&CANCEL_STARTED, &CANCEL_ENDED);
    sleep(LOAD).await;
    CANCEL_DONE.fetch_add(1, SeqCst);
    Ok(id)
}

#[tokio::test(start_paused = true)]
async fn the_execution_outlives_a_cancelled_first_caller() {
    let mut first = Box::pin(first_cancelled(1));
    let mut second = pin!(first_cancelled(1));
    let mut third = pin!(first_cancelled(1));
    assert!(poll!(first.as_mut()).is_pending());
    assert!(poll!(second.as_mut()).is_pending());
    assert!(poll!(third.as_mut()).is_pending());
    sleep(LOAD / 2).await;
    drop(first); // the request that started the load is cancelled
    assert_eq!(CANCEL_ENDED.load(SeqCst), 0, "the others still wait on the execution");
    assert_eq!(second.await, Ok(1));
    assert_eq!(third.await, Ok(1));
    assert_eq!((CANCEL_STARTED.load(SeqCst), CANCEL_DONE.load(SeqCst), CANCEL_ENDED.load(SeqCst)), (1, 1, 1));
}

static LAST_STARTED: AtomicU32 = AtomicU32::new(0);
static LAST_ENDED: AtomicU32 = AtomicU32::new(0);
static LAST_DONE: AtomicU32 = AtomicU32::new(0);

#[resile::single_flight(key = id)]
async fn all_leave(id: u64) -> Result<u64, E> {
    let _body = Body::start(&LAST_STARTED, &LAST_ENDED);
    sleep(LOAD).await;
    LAST_DONE.fetch_add(1, SeqCst);
    Ok(id)
}

#[tokio::test(start_paused = true)]
async fn the_last_caller_leaving_drops_the_execution() {
    let mut a = Box::pin(all_leave(2));
    let mut b = Box::pin(all_leave(2));
    assert!(poll!(a.as_mut()).is_pending());
    assert!(poll!(b.as_mut()).is_pending());
    drop(a);
    assert_eq!(LAST_ENDED.load(SeqCst), 0);
    drop(b);
    assert_eq!((LAST_STARTED.load(SeqCst), LAST_ENDED.load(SeqCst)), (1, 1), "dropped with its last caller");
    assert_eq!(resile::single_flight::stats("all_leave").unwrap().in_flight, 0);
    sleep(LOAD * 2).await;
    assert_eq!(LAST_DONE.load(SeqCst), 0, "nothing runs with no caller left");
    // The next caller starts afresh.
    assert_eq!(all_leave(2).await, Ok(2));
    assert_eq!((LAST_STARTED.load(SeqCst), LAST_DONE.load(SeqCst)), (2, 1));
}

static ERR_RUNS: AtomicU32 = AtomicU32::new(0);

#[resile::single_flight(key = id)]
async fn failing(id: u32) -> Result<u32, E> {
    let n = ERR_RUNS.fetch_add(1, SeqCst);
    sleep(LOAD).await;
    Err(E::Failed(id + n))
}

#[tokio::test(start_paused = true)]
async fn an_error_is_every_callers_error() {
    let results = join_all((0..10).map(|_| failing(5))).await;
    assert_eq!(results, vec![Err(E::Failed(5)); 10]);
    assert_eq!(ERR_RUNS.load(SeqCst), 1);
}

static FORGET_RUNS: AtomicU32 = AtomicU32::new(0);

#[resile::single_flight(key = symbol)]
async fn forgettable(symbol: &'static str) -> Result<u32, E> {
    let n = FORGET_RUNS.fetch_add(1, SeqCst) + 1;
    sleep(LOAD).await;
    Ok(n * 100 + u32::try_from(symbol.len()).unwrap())
}

#[tokio::test(start_paused = true)]
async fn forget_makes_the_next_caller_start_afresh() {
    let mut old = pin!(forgettable("AAPL"));
    let mut old_waiter = pin!(forgettable("AAPL"));
    assert!(poll!(old.as_mut()).is_pending());
    assert!(poll!(old_waiter.as_mut()).is_pending());
    sleep(LOAD / 2).await;
    // A `&str` key is kept as a `String`.
    assert!(resile::single_flight::forget("single_flight::forgettable", &"AAPL".to_owned()));
    assert!(!resile::single_flight::forget("forgettable", &"AAPL".to_owned()), "forgotten already");
    assert!(!resile::single_flight::forget("forgettable", &7u32), "another key type matches nothing");
    let mut new = pin!(forgettable("AAPL"));
    assert!(poll!(new.as_mut()).is_pending());
    assert_eq!(FORGET_RUNS.load(SeqCst), 2, "a fresh execution");
    assert_eq!(old.await, Ok(104));
    assert_eq!(old_waiter.await, Ok(104));
    assert_eq!(new.await, Ok(204));
    // The old execution's end did not remove the new one's entry: it was in flight until now.
    let stats = resile::single_flight::stats("forgettable").unwrap();
    assert_eq!((stats.in_flight, stats.started, stats.joined), (0, 2, 1));
}

struct Prices {
    loads: AtomicU32,
}

impl Prices {
    #[resile::single_flight(key = symbol.clone())]
    async fn price(self: Arc<Self>, symbol: String) -> Result<u64, E> {
        self.loads.fetch_add(1, SeqCst);
        sleep(LOAD).await;
        Ok(symbol.len() as u64)
    }
}

#[tokio::test(start_paused = true)]
async fn a_method_takes_self_by_arc() {
    let prices = Arc::new(Prices { loads: AtomicU32::new(0) });
    let calls = (0..5).map(|_| Arc::clone(&prices).price("MSFT".to_owned()));
    assert_eq!(join_all(calls).await, vec![Ok(4); 5]);
    assert_eq!(prices.loads.load(SeqCst), 1);
}

static TIMED_RUNS: AtomicU32 = AtomicU32::new(0);

// A timeout outside bounds each caller's wait; the execution goes on for the others.
#[resile::timeout("50ms")]
#[resile::single_flight(key = id)]
async fn impatient(id: u64) -> Result<u64, E> {
    TIMED_RUNS.fetch_add(1, SeqCst);
    sleep(LOAD).await;
    Ok(id)
}

#[resile::single_flight(key = id)]
async fn patient(id: u64) -> Result<u64, E> {
    impatient(id).await
}

#[tokio::test(start_paused = true)]
async fn a_timeout_outside_bounds_each_callers_wait() {
    let (a, b) = tokio::join!(impatient(9), impatient(9));
    let timed_out = Err(E::Rejected(Rejection::TimedOut { after: Duration::from_millis(50) }));
    assert_eq!((a, b), (timed_out.clone(), timed_out));
    assert_eq!(TIMED_RUNS.load(SeqCst), 1);
    assert_eq!(patient(1).await.unwrap_err(), E::Rejected(Rejection::TimedOut { after: Duration::from_millis(50) }));
}

static RETRIED_RUNS: AtomicU32 = AtomicU32::new(0);

// Outside `#[retry]`: the callers share the whole retried call.
#[resile::single_flight(key = id)]
#[resile::retry(max = 3, backoff = "constant", base_delay = "10ms", jitter = "none")]
async fn retried(id: u64) -> Result<u64, E> {
    let n = RETRIED_RUNS.fetch_add(1, SeqCst);
    sleep(LOAD).await;
    if n < 2 { Err(E::Failed(n)) } else { Ok(id) }
}

#[tokio::test(start_paused = true)]
async fn outside_retry_the_whole_retried_call_is_shared() {
    let results = join_all((0..10).map(|_| retried(4))).await;
    assert_eq!(results, vec![Ok(4); 10]);
    assert_eq!(RETRIED_RUNS.load(SeqCst), 3, "three attempts, for all ten callers");
}

#[tokio::test(start_paused = true)]
async fn the_plain_value_shares_and_forgets() {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let group: resile::SingleFlight<String, u32, E> = resile::SingleFlight::new();
    let load = || async {
        let n = RUNS.fetch_add(1, SeqCst) + 1;
        sleep(LOAD).await;
        Ok(n)
    };
    let mut first = pin!(group.call("k", load));
    assert!(poll!(first.as_mut()).is_pending());
    let mut joined = pin!(group.call("k", load));
    assert!(poll!(joined.as_mut()).is_pending());
    assert!(group.forget("k"));
    let mut fresh = pin!(group.call("k", load));
    assert_eq!(poll!(fresh.as_mut()), Poll::Pending);
    assert_eq!((first.await, joined.await, fresh.await), (Ok(1), Ok(1), Ok(2)));
    let stats = group.stats();
    assert_eq!((stats.in_flight, stats.started, stats.joined), (0, 2, 1));
}
