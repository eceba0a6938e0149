//! `resile::testing` (cargo feature `testing`, on for this package's tests through its
//! dev-dependency on `resile-runtime`): named instances private to an `isolated` future,
//! `reset_all`, and the event recorder, on tokio's paused clock.
//!
//! The tests of this binary run in parallel and most of them use the same names (`db`,
//! `search`, `api`): each sees exactly its own counts only because each runs `isolated`.
//! The two tests that use the process-wide instances take `GLOBAL` first.

use std::sync::Barrier;
use std::time::Duration;

use resile::testing::{self, Recorded, Recorder};
use resile::{Rejection, State};
use tokio::time::{Instant, sleep};

#[derive(Debug, PartialEq)]
enum Error {
    Down,
    Rejected(Rejection),
}

/// The same text as `Debug`, so an event's error reads the same whichever the funnel uses.
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

/// The one declaration of `db`: opens when at least half of the last 10 calls (at least 10)
/// failed.
#[resile::circuit_breaker(name = "db", window_size = 10, minimum_calls = 10, open_timeout = "30s")]
async fn query(up: bool) -> Result<u32, Error> {
    if up { Ok(1) } else { Err(Error::Down) }
}

/// Retries through the shared retry budget `api`, each attempt through the breaker `db`.
#[resile::retry(
    max = 2,
    backoff = "constant",
    base_delay = "10ms",
    jitter = "none",
    retry_budget = "api",
    allow = "retry_into_open_breaker"
)]
#[resile::circuit_breaker(name = "db")]
async fn fetch(up: bool) -> Result<u32, Error> {
    if up { Ok(2) } else { Err(Error::Down) }
}

/// A hedge on the shared tracker `search`: a call slower than 50 ms is hedged.
#[resile::hedge(name = "search", delay = "50ms")]
async fn search(latency: Duration) -> Result<u32, Error> {
    sleep(latency).await;
    Ok(3)
}

/// Serialises the tests that use the process-wide instances (held across `.await`s, and
/// by tests on different runtimes: tokio's mutex).
static GLOBAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `failures` failed and `successes` successful calls of `query`, failures first.
async fn drive(failures: u32, successes: u32) {
    for _ in 0..failures {
        assert_eq!(query(false).await, Err(Error::Down));
    }
    for _ in 0..successes {
        assert_eq!(query(true).await, Ok(1));
    }
}

/// `(state, total, failures)` of the breaker `db` as this task sees it.
fn db() -> (State, u64, u64) {
    let stats = resile::circuit_breaker("db").stats();
    (stats.state, stats.total, stats.failures)
}

// ---- parallel tests on one name ------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn isolated_three_failures_of_five_stay_closed() {
    testing::isolated(async {
        drive(3, 2).await;
        assert_eq!(db(), (State::Closed, 5, 3));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn isolated_ten_failures_open_the_breaker() {
    testing::isolated(async {
        drive(10, 0).await;
        assert_eq!(db().0, State::Open);
        assert_eq!(query(true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "db" })));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn isolated_four_failures_of_ten_stay_closed() {
    testing::isolated(async {
        drive(4, 6).await;
        assert_eq!(db(), (State::Closed, 10, 4));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn isolated_retries_budgets_and_hedges_count_their_own_calls() {
    testing::isolated(async {
        // One failed call: two attempts (both recorded by `db`), one retry taken from `api`.
        assert_eq!(fetch(false).await, Err(Error::Down));
        assert_eq!(fetch(true).await, Ok(2));
        assert_eq!(db(), (State::Closed, 3, 2));
        let budget = resile::retry_budget("api").stats();
        assert_eq!((budget.deposits, budget.allowed, budget.denied), (2, 1, 0));

        // A slow first attempt is hedged; the hedge (as slow) loses to the first.
        let start = Instant::now();
        assert_eq!(search(Duration::from_millis(80)).await, Ok(3));
        assert_eq!(start.elapsed(), Duration::from_millis(80));
        let hedges = resile::hedge_tracker("search").stats();
        assert_eq!((hedges.total_requests, hedges.hedged_requests, hedges.hedge_won), (1, 1, 0));
    })
    .await;
}

/// The scenario of the issue, 100 times: each round runs `THREADS` scopes at once, on as
/// many threads and runtimes, all on the names `db`, `api` and `search`, each with its own
/// counts, and every one of them must see exactly its own.
#[test]
fn a_hundred_rounds_of_parallel_scopes_on_the_same_names_see_only_their_own_counts() {
    const THREADS: u32 = 4;
    for round in 0..100 {
        let start = Barrier::new(THREADS as usize);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let start = &start;
                s.spawn(move || {
                    let runtime =
                        tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
                    runtime.block_on(testing::isolated(async {
                        start.wait();
                        // At most 4 failures in 7 + t <= 10 calls: under the threshold,
                        // the breaker stays closed.
                        let (failures, successes) = (t + 1, 6 - t);
                        for i in 0..failures.max(successes) {
                            if i < failures {
                                assert_eq!(query(false).await, Err(Error::Down));
                            }
                            if i < successes {
                                assert_eq!(query(true).await, Ok(1));
                            }
                            tokio::task::yield_now().await;
                        }
                        for _ in 0..t {
                            assert_eq!(fetch(true).await, Ok(2));
                        }
                        let want = (State::Closed, u64::from(failures + successes + t), u64::from(failures));
                        assert_eq!(db(), want, "round {round}, scope {t}");
                        assert_eq!(resile::retry_budget("api").stats().deposits, u64::from(t), "round {round}");
                    }));
                });
            }
        });
    }
}

// ---- handles inside and outside a scope ---------------------------------------------------

#[tokio::test(start_paused = true)]
async fn handles_inside_a_scope_see_its_instances_and_outside_the_process_wide_ones() {
    let _global = GLOBAL.lock().await;
    resile::circuit_breaker("db").reset();
    drive(2, 0).await;
    assert_eq!(db(), (State::Closed, 2, 2));
    assert!(resile::registry::names().contains(&("circuit_breaker", "db")));

    testing::isolated(async {
        // Nothing exists in the scope until something uses it.
        assert_eq!(db(), (State::Closed, 0, 0));
        assert_eq!(resile::circuit_breaker("db").config(), None);
        assert_eq!(resile::registry::names(), []);

        drive(1, 0).await;
        assert_eq!(db(), (State::Closed, 1, 1));
        assert_eq!(resile::circuit_breaker("db").config().unwrap().window_size, 10);
        assert_eq!(resile::circuit_breaker("db").source(), Some(resile::registry::Source::Declared));
        resile::circuit_breaker("db").force_open();
        assert_eq!(query(true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "db" })));
        assert_eq!(resile::registry::names(), [("circuit_breaker", "db")]);

        // A spawned task is outside the scope, unless it runs in it.
        let outside = tokio::spawn(async { db() }).await.unwrap();
        assert_eq!(outside, (State::Closed, 2, 2));
        let scope = testing::scope().expect("inside `isolated`");
        let inside = tokio::spawn(scope.run(async { db() })).await.unwrap();
        assert_eq!(inside, (State::ForcedOpen, 1, 1));

        // A nested scope has instances of its own.
        testing::isolated(async { assert_eq!(db(), (State::Closed, 0, 0)) }).await;
        assert_eq!(db().0, State::ForcedOpen);
    })
    .await;

    assert!(testing::scope().is_none());
    assert_eq!(db(), (State::Closed, 2, 2));
    assert_eq!(query(true).await, Ok(1));
    assert_eq!(db(), (State::Closed, 3, 2));
}

// ---- reset_all -----------------------------------------------------------------------------

/// Trips `db`, uses `api` and `search`, then checks that `reset_all` puts each back to a
/// new instance's state with its settings.
async fn use_everything_then_reset_all() {
    drive(10, 0).await;
    assert_eq!(fetch(true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "db" })));
    assert_eq!(search(Duration::from_millis(80)).await, Ok(3));
    assert_eq!(db().0, State::Open);
    assert_eq!(resile::retry_budget("api").stats().deposits, 1);
    assert_eq!(resile::hedge_tracker("search").stats().total_requests, 1);

    testing::reset_all();

    assert_eq!(db(), (State::Closed, 0, 0));
    assert_eq!(resile::circuit_breaker("db").config().unwrap().minimum_calls, 10);
    let budget = resile::retry_budget("api").stats();
    assert_eq!((budget.deposits, budget.allowed, budget.denied), (0, 0, 0));
    let hedges = resile::hedge_tracker("search").stats();
    assert_eq!((hedges.total_requests, hedges.hedged_requests, hedges.p50), (0, 0, Duration::ZERO));
    assert_eq!(hedges.tokens, resile::hedge_tracker("search").config().unwrap().token_max);
    assert_eq!(query(true).await, Ok(1));
    assert_eq!(db(), (State::Closed, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn reset_all_in_a_scope_resets_the_scope_s_instances_only() {
    let _global = GLOBAL.lock().await;
    resile::circuit_breaker("db").force_open();
    testing::isolated(use_everything_then_reset_all()).await;
    assert_eq!(db().0, State::ForcedOpen);
    resile::circuit_breaker("db").reset();
    assert_eq!(db(), (State::Closed, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn reset_all_outside_a_scope_resets_the_process_wide_instances() {
    let _global = GLOBAL.lock().await;
    testing::reset_all();
    use_everything_then_reset_all().await;
}

// ---- the recorder --------------------------------------------------------------------------

/// Fails twice, then succeeds.
#[resile::retry(max = 3, backoff = "constant", base_delay = "10ms", jitter = "none")]
async fn flaky(calls: &std::sync::atomic::AtomicU32) -> Result<u32, Error> {
    let n = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    if n < 3 { Err(Error::Down) } else { Ok(n) }
}

fn lines(events: &[Recorded]) -> Vec<String> {
    events.iter().map(ToString::to_string).collect()
}

#[tokio::test(start_paused = true)]
async fn the_recorder_captures_exactly_the_events_of_its_task_in_order() {
    let start = Instant::now();
    let ((), events) = testing::record(testing::isolated(async {
        let calls = Default::default();
        assert_eq!(flaky(&calls).await, Ok(3));
        drive(10, 0).await;
        assert_eq!(query(true).await, Err(Error::Rejected(Rejection::CircuitOpen { name: "db" })));
        assert_eq!(search(Duration::from_millis(80)).await, Ok(3));
    }))
    .await;
    assert_eq!(start.elapsed(), Duration::from_millis(10 + 10 + 80));

    let open = Rejection::CircuitOpen { name: "db" }.to_string();
    assert_eq!(
        lines(&events),
        [
            "retry function=testing::flaky attempt=1 delay=10ms: Down".to_owned(),
            "retry function=testing::flaky attempt=2 delay=10ms: Down".to_owned(),
            "state_change name=db: closed -> open".to_owned(),
            format!("rejected function=testing::query name=db: {open}"),
            "hedge_fired function=testing::search name=search attempt=2".to_owned(),
        ]
    );
    let first = &events[0];
    assert_eq!(
        (
            first.kind,
            first.function.map(|f| f.to_string()).as_deref(),
            first.name,
            first.attempt,
            first.delay,
            first.detail.as_deref()
        ),
        ("retry", Some("testing::flaky"), None, Some(1), Some(Duration::from_millis(10)), Some("Down"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_recorder_collects_across_futures_and_spawned_tasks_it_records() {
    let recorder = Recorder::new();
    let scope = testing::Scope::new();
    recorder.record(scope.clone().run(async { resile::circuit_breaker("db").force_open() })).await;
    // Not recorded: outside the recorder.
    scope.clone().run(async { resile::circuit_breaker("db").force_close() }).await;
    tokio::spawn(recorder.record(scope.run(async { resile::circuit_breaker("db").disable() }))).await.unwrap();
    assert_eq!(
        lines(&recorder.take()),
        ["state_change name=db: closed -> forced_open", "state_change name=db: closed -> disabled",]
    );
    assert_eq!(recorder.events(), []);
}

// ---- the README's example ------------------------------------------------------------------

/// A declaration of `db` other than `query`'s: a conflict process-wide, but each scope has
/// its own `db`, declared by the first call in it.
#[resile::circuit_breaker(name = "db", minimum_calls = 2, window_size = 2)]
async fn readme_query(up: bool) -> Result<(), Error> {
    if up { Ok(()) } else { Err(Error::Down) }
}

#[tokio::test(start_paused = true)]
async fn two_failures_open_the_breaker() {
    let ((), events) = resile::testing::record(resile::testing::isolated(async {
        let _ = readme_query(false).await;
        let _ = readme_query(false).await;
        assert_eq!(resile::circuit_breaker("db").state(), resile::State::Open); // this test's `db`
    }))
    .await;
    let events: Vec<String> = events.iter().map(ToString::to_string).collect();
    assert_eq!(events, ["state_change name=db: closed -> open"]);
}
