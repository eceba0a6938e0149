//! `resile::deadline()` (SPEC §10) on tokio's paused clock: the deadline an enclosing
//! `#[timeout]` or `#[hedge(timeout = ..)]` set, seen three calls deep and by each of several
//! calls polled in one task; a retry that returns its last error instead of sleeping into the
//! deadline; a hedge that starts no attempt at or past it; the combinators' `.timeout(d)`
//! publishing theirs; `None` outside, after, and after a cancelled call.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use resile::Rejection;
use resile::testing;
use resile::timeline::{self, GaveUp, What};
use tokio::time::{Instant, sleep};

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

// ---- three calls deep -------------------------------------------------------------------------

#[resile::retry(max = 2)]
async fn repository() -> Result<Option<Instant>, E> {
    sleep(ms(10)).await;
    Ok(resile::deadline())
}

async fn service() -> Result<Option<Instant>, E> {
    repository().await
}

#[resile::timeout("1s")]
async fn handler() -> Result<(Option<Instant>, Option<Instant>), E> {
    let here = resile::deadline();
    Ok((here, service().await?))
}

#[tokio::test(start_paused = true)]
async fn the_handlers_deadline_is_seen_three_calls_deep() {
    sleep(ms(5)).await;
    let start = Instant::now();
    assert_eq!(resile::deadline(), None);
    assert_eq!(handler().await, Ok((Some(start + ms(1000)), Some(start + ms(1000)))));
    assert_eq!(resile::deadline(), None, "nothing lingers after the call");
    assert_eq!(repository().await, Ok(None), "the same function outside the handler sees none");
}

// ---- a retry does not sleep into the deadline --------------------------------------------------

static FLAKY_CALLS: AtomicU32 = AtomicU32::new(0);

/// Fails 10 ms into each attempt; sleeps of 100, 200, 400, 800 ms in between.
#[resile::retry(max = 10, backoff = "exp", base_delay = "100ms", max_delay = "10s", jitter = "none")]
async fn flaky() -> Result<u32, E> {
    let n = FLAKY_CALLS.fetch_add(1, SeqCst) + 1;
    sleep(ms(10)).await;
    Err(E::Own(n))
}

#[resile::timeout("1s")]
async fn flaky_handler() -> Result<u32, E> {
    flaky().await
}

#[tokio::test(start_paused = true)]
async fn a_retry_whose_next_sleep_would_cross_the_deadline_returns_its_last_error_at_once() {
    let start = Instant::now();
    let (result, timeline) = timeline::capture(flaky_handler()).await;
    // Attempts end at 10, 120, 330 and 740 ms; the next sleep (800 ms) would end at 1540,
    // past the deadline at 1000: the fourth error, when it happened, not a timeout at 1000.
    assert_eq!(result, Err(E::Own(4)));
    assert_eq!(start.elapsed(), ms(740));
    let gave_up: Vec<_> = timeline.entries().iter().filter(|e| matches!(e.what, What::GaveUp { .. })).collect();
    assert_eq!(gave_up.len(), 1, "{timeline}");
    assert_eq!(gave_up[0].what, What::GaveUp { attempt: 4, why: GaveUp::PastDeadline });
    assert_eq!(gave_up[0].at, ms(740));
}

/// Constant 100 ms sleeps, attempts failing at once.
#[resile::retry(max = 10, backoff = "constant", base_delay = "100ms", jitter = "none")]
async fn instant_failure(calls: &AtomicU32) -> Result<u32, E> {
    Err(E::Own(calls.fetch_add(1, SeqCst) + 1))
}

#[resile::timeout("300ms")]
async fn exact_handler(calls: &AtomicU32) -> Result<u32, E> {
    instant_failure(calls).await
}

#[tokio::test(start_paused = true)]
async fn a_sleep_that_would_end_exactly_at_the_deadline_is_not_started() {
    let calls = AtomicU32::new(0);
    let start = Instant::now();
    let (result, events) = testing::record(exact_handler(&calls)).await;
    // Attempts at 0, 100 and 200 ms; a sleep from 200 would end at 300, the deadline itself.
    assert_eq!(result, Err(E::Own(3)));
    assert_eq!(start.elapsed(), ms(200));
    let last = events.last().expect("events");
    assert_eq!((last.kind, last.attempt, last.delay), ("retry_past_deadline", Some(3), Some(ms(100))));
}

#[tokio::test(start_paused = true)]
async fn with_time_to_spare_the_retry_sleeps_as_usual() {
    #[resile::timeout("301ms")]
    async fn roomy(calls: &AtomicU32) -> Result<u32, E> {
        instant_failure(calls).await
    }
    let calls = AtomicU32::new(0);
    let start = Instant::now();
    // The sleep from 200 ends at 300, 1 ms before the deadline: attempt 4 runs at 300, then
    // the next sleep would cross it.
    assert_eq!(roomy(&calls).await, Err(E::Own(4)));
    assert_eq!(start.elapsed(), ms(300));
}

// ---- nested deadlines ----------------------------------------------------------------------------

#[resile::timeout("300ms")]
async fn inner_300() -> Result<Option<Instant>, E> {
    sleep(ms(1)).await;
    Ok(resile::deadline())
}

#[resile::timeout("1s")]
async fn inner_1s() -> Result<Option<Instant>, E> {
    sleep(ms(1)).await;
    Ok(resile::deadline())
}

#[tokio::test(start_paused = true)]
async fn the_earliest_of_two_nested_deadlines_wins() {
    #[resile::timeout("1s")]
    async fn outer_1s() -> Result<[Option<Instant>; 3], E> {
        let before = resile::deadline();
        let inner = inner_300().await?;
        Ok([before, inner, resile::deadline()])
    }
    #[resile::timeout("200ms")]
    async fn outer_200ms() -> Result<Option<Instant>, E> {
        inner_1s().await
    }
    let start = Instant::now();
    let at = |n| Some(start + ms(n));
    // An earlier inner deadline is seen inside it, and the outer one again after it.
    assert_eq!(outer_1s().await, Ok([at(1000), at(300), at(1000)]));
    let start = Instant::now();
    let at = |n| Some(start + ms(n));
    // A later inner deadline changes nothing.
    assert_eq!(outer_200ms().await, Ok(at(200)));
}

// ---- hedges ----------------------------------------------------------------------------------------

static HEDGE_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// Hedges due at 100 and 200 ms; every attempt takes a second.
#[resile::hedge(delay = "100ms", max_requests = 3)]
async fn slow_replicas() -> Result<u32, E> {
    let n = HEDGE_ATTEMPTS.fetch_add(1, SeqCst) + 1;
    sleep(ms(1000)).await;
    Ok(n)
}

#[resile::timeout("200ms")]
async fn hedged_handler() -> Result<u32, E> {
    slow_replicas().await
}

#[tokio::test(start_paused = true)]
async fn a_hedge_starts_no_attempt_at_or_past_the_deadline() {
    let start = Instant::now();
    let result = hedged_handler().await;
    assert_eq!(result, Err(E::Rejected(Rejection::TimedOut { after: ms(200) })));
    assert_eq!(start.elapsed(), ms(200));
    // The hedge due at 100 started; the one due at 200, the deadline, did not.
    assert_eq!(HEDGE_ATTEMPTS.load(SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_hedge_that_cannot_start_another_attempt_before_the_deadline_fails_at_once() {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    /// Attempt 1 fails at 150 ms; a hedge would be due at 1 s.
    #[resile::hedge(delay = "1s", max_requests = 2)]
    async fn failing() -> Result<u32, E> {
        let n = CALLS.fetch_add(1, SeqCst) + 1;
        sleep(ms(150)).await;
        Err(E::Own(n))
    }
    #[resile::timeout("150ms")]
    async fn handler() -> Result<u32, E> {
        failing().await
    }
    let start = Instant::now();
    // At 150 ms attempt 1 fails: its replacement would start at the deadline, so none does and
    // the call ends with that error (the timeout's own timer, due at the same instant, is
    // polled after what it guards).
    assert_eq!(handler().await, Err(E::Own(1)));
    assert_eq!(start.elapsed(), ms(150));
    assert_eq!(CALLS.load(SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_hedge_publishes_its_own_timeout_to_every_attempt() {
    static SEEN: Mutex<Vec<(u32, Option<Instant>)>> = Mutex::new(Vec::new());
    static N: AtomicU32 = AtomicU32::new(0);
    #[resile::hedge(delay = "50ms", max_requests = 2, timeout = "500ms")]
    async fn hedged() -> Result<u32, E> {
        let n = N.fetch_add(1, SeqCst) + 1;
        SEEN.lock().unwrap().push((n, resile::deadline()));
        sleep(ms(if n == 1 { 400 } else { 100 })).await;
        SEEN.lock().unwrap().push((n, resile::deadline()));
        Ok(n)
    }
    #[resile::timeout("300ms")]
    async fn tighter() -> Result<u32, E> {
        hedged().await
    }
    let start = Instant::now();
    let own = Some(start + ms(500));
    assert_eq!(hedged().await, Ok(2));
    assert_eq!(*SEEN.lock().unwrap(), [(1, own), (2, own), (2, own)]);
    SEEN.lock().unwrap().clear();
    N.store(0, SeqCst);
    let start = Instant::now();
    let outer = Some(start + ms(300));
    assert_eq!(tighter().await, Ok(2));
    assert_eq!(*SEEN.lock().unwrap(), [(1, outer), (2, outer), (2, outer)], "the earlier, enclosing one");
}

#[tokio::test(start_paused = true)]
async fn hedged_attempts_each_see_their_own_enclosing_deadline() {
    static SEEN: Mutex<Vec<(u32, Option<Instant>)>> = Mutex::new(Vec::new());
    static N: AtomicU32 = AtomicU32::new(0);
    /// Each attempt's own timeout: 1 s for the first, 300 ms for the second. Both sleep in
    /// steps, so their polls interleave, and record what they see after each.
    async fn attempt(n: u32) -> Result<u32, E> {
        for _ in 0..3 {
            sleep(ms(40)).await;
            SEEN.lock().unwrap().push((n, resile::deadline()));
        }
        Ok(n)
    }
    #[resile::timeout("1s")]
    async fn long(n: u32) -> Result<u32, E> {
        attempt(n).await
    }
    #[resile::timeout("300ms")]
    async fn short(n: u32) -> Result<u32, E> {
        attempt(n).await
    }
    #[resile::hedge(delay = "20ms", max_requests = 2)]
    async fn hedged() -> Result<u32, E> {
        let n = N.fetch_add(1, SeqCst) + 1;
        if n == 1 { long(n).await } else { short(n).await }
    }
    let start = Instant::now();
    assert_eq!(hedged().await, Ok(1));
    let (long_at, short_at) = (Some(start + ms(1000)), Some(start + ms(20 + 300)));
    let seen = SEEN.lock().unwrap().clone();
    assert_eq!(seen, [(1, long_at), (2, short_at), (1, long_at), (2, short_at), (1, long_at)]);
}

// ---- concurrent calls in one task ----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn joined_calls_each_see_their_own_deadline() {
    #[resile::timeout("1s")]
    async fn long(seen: &Mutex<Vec<(&'static str, Option<Instant>)>>) -> Result<(), E> {
        for _ in 0..3 {
            sleep(ms(30)).await;
            seen.lock().unwrap().push(("long", resile::deadline()));
        }
        Ok(())
    }
    #[resile::timeout("400ms")]
    async fn short(seen: &Mutex<Vec<(&'static str, Option<Instant>)>>) -> Result<(), E> {
        sleep(ms(15)).await;
        for _ in 0..3 {
            sleep(ms(30)).await;
            seen.lock().unwrap().push(("short", resile::deadline()));
        }
        Ok(())
    }
    let seen = Mutex::new(Vec::new());
    let start = Instant::now();
    let unguarded = async {
        sleep(ms(50)).await;
        resile::deadline()
    };
    let (a, b, c) = tokio::join!(long(&seen), short(&seen), unguarded);
    assert_eq!((a, b, c), (Ok(()), Ok(()), None), "a future joined next to them sees none");
    let (l, s) = (Some(start + ms(1000)), Some(start + ms(400)));
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen, [("long", l), ("short", s), ("long", l), ("short", s), ("long", l), ("short", s)]);
}

// ---- none outside, after, after a cancelled call, in a spawned task ----------------------------

#[tokio::test(start_paused = true)]
async fn none_outside_after_and_after_a_cancelled_call() {
    #[resile::timeout("1s")]
    async fn slow() -> Result<(), E> {
        assert!(resile::deadline().is_some());
        sleep(ms(500)).await;
        Ok(())
    }
    #[resile::timeout("1s")]
    async fn spawns() -> Result<Option<Instant>, E> {
        Ok(tokio::spawn(async { resile::deadline() }).await.unwrap())
    }
    assert_eq!(resile::deadline(), None);
    // Cancelled halfway, by something that is not resile's.
    assert!(tokio::time::timeout(ms(100), slow()).await.is_err());
    assert_eq!(resile::deadline(), None);
    // Polled once, then dropped.
    {
        let mut fut = std::pin::pin!(slow());
        assert!(futures::poll!(fut.as_mut()).is_pending());
        assert_eq!(resile::deadline(), None, "between two polls of a call");
    }
    assert_eq!(resile::deadline(), None);
    // A spawned task starts with no deadline, like a task-local.
    assert_eq!(spawns().await, Ok(None));
    assert_eq!(slow().await, Ok(()));
    assert_eq!(resile::deadline(), None);
}

#[tokio::test(start_paused = true)]
async fn the_runtime_values_publish_their_deadline_too() {
    let start = Instant::now();
    let t = resile::Timeout::new(ms(250));
    let seen = t.call(|| async { Ok::<_, E>(resile::deadline()) }).await;
    assert_eq!(seen, Ok(Some(start + ms(250))));
    let seen = resile::timeout::timeout("t", ms(100), async { Ok::<_, E>(resile::deadline()) }).await;
    assert_eq!(seen, Ok(Some(start + ms(100))));
    let hedge = resile::Hedge::<E>::new(resile::HedgeConfig::new().delay(ms(50))).timeout(ms(400));
    let seen = hedge.call(|| async { Ok::<_, E>(resile::deadline()) }).await;
    assert_eq!(seen, Ok(Some(start + ms(400))), "from the first poll of the first attempt");
    let untimed = resile::Hedge::<E>::new(resile::HedgeConfig::new().delay(ms(50)));
    assert_eq!(untimed.call(|| async { Ok::<_, E>(resile::deadline()) }).await, Ok(None));
}

// ---- the combinators' `.timeout(d)` ---------------------------------------------------------

/// What one of a combinator's futures sees, after `work`.
async fn seen(work: Duration) -> Result<Option<Instant>, E> {
    sleep(work).await;
    Ok(resile::deadline())
}

#[resile::retry(max = 3, backoff = "constant", base_delay = "100ms", jitter = "none")]
async fn fails_then_retries(calls: &AtomicU32) -> Result<u32, E> {
    Err(E::Own(calls.fetch_add(1, SeqCst) + 1))
}

#[tokio::test(start_paused = true)]
async fn a_combinators_timeout_publishes_its_deadline_to_the_futures_it_runs() {
    let start = Instant::now();
    let at = Some(start + ms(300));
    assert_eq!(resile::race([seen(ms(10)), seen(ms(20))]).timeout(ms(300)).await, Ok(at));
    let start = Instant::now();
    let at = Some(start + ms(300));
    let settled = resile::all_settled([seen(ms(10))]).timeout(ms(300)).await;
    assert!(matches!(settled.as_slice(), [resile::combinators::Settled::Ok(seen)] if *seen == at), "{settled:?}");
    let start = Instant::now();
    let at = Some(start + ms(300));
    assert_eq!(resile::map([ms(10), ms(20)], 1, seen).timeout(ms(300)).await, Ok(vec![at, at]));
    let start = Instant::now();
    let at = Some(start + ms(300));
    assert_eq!(resile::first_ok([seen(ms(10))]).timeout(ms(300)).await, Ok(at));

    // Without `.timeout(d)`, none; under an earlier enclosing deadline, that one.
    assert_eq!(resile::race([seen(ms(10))]).await, Ok(None));
    let start = Instant::now();
    let outer = resile::Timeout::new(ms(100));
    let nested = outer.call(|| resile::race([seen(ms(10))]).timeout(ms(300))).await;
    assert_eq!(nested, Ok(Some(start + ms(100))));

    // A retry inside reads it: its next sleep (100 ms) would end past a 50 ms deadline, so
    // it returns its first error at once.
    let calls = AtomicU32::new(0);
    let start = Instant::now();
    assert_eq!(resile::race([fails_then_retries(&calls)]).timeout(ms(50)).await, Err(E::Own(1)));
    assert_eq!((calls.load(SeqCst), start.elapsed()), (1, ms(0)));
}
