//! Hedging behaviour on tokio's paused clock: exact winners, exact virtual times, what is
//! dropped when, and the adaptive delay, budget and stats.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use resile_runtime::Rejection;
use resile_runtime::hedge::{Hedge, HedgeConfig, HedgeHooks, HedgeSite, LatencyWindow, hedge_tracker, nearest_rank};
use resile_runtime::telemetry::{CallSpan, Event, Free, Observer, set_observer};
use tokio::time::{Instant, sleep};

const MS: fn(u64) -> Duration = Duration::from_millis;

type R = Result<u32, &'static str>;
/// Attempts (latency ms, result), the expected winner, and when it wins (ms).
type Case = (&'static [(u64, R)], u32, u64);

/// Counts attempts started, and attempts dropped before they finished.
#[derive(Clone, Default)]
struct Probe {
    started: Arc<AtomicU32>,
    cancelled: Arc<AtomicU32>,
}

struct Guard {
    cancelled: Arc<AtomicU32>,
    done: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.done {
            self.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Probe {
    fn attempt(&self, latency: u64, result: R) -> impl Future<Output = R> + use<> {
        self.started.fetch_add(1, Ordering::SeqCst);
        let guard = Guard { cancelled: self.cancelled.clone(), done: false };
        async move {
            let mut guard = guard; // move the whole guard in, not just its field
            sleep(MS(latency)).await;
            guard.done = true;
            result
        }
    }

    /// A `make` closure that plays `steps` (latency in ms, result), one per attempt.
    fn plan(&self, steps: &'static [(u64, R)]) -> impl FnMut() -> std::pin::Pin<Box<dyn Future<Output = R>>> + '_ {
        let mut i = 0;
        move || {
            let (ms, r) = steps[i];
            i += 1;
            Box::pin(self.attempt(ms, r))
        }
    }

    fn started(&self) -> u32 {
        self.started.load(Ordering::SeqCst)
    }
    fn cancelled(&self) -> u32 {
        self.cancelled.load(Ordering::SeqCst)
    }
}

fn hedge(cfg: HedgeConfig) -> Hedge<&'static str> {
    Hedge::new(cfg)
}

#[tokio::test(start_paused = true)]
async fn two_attempts_the_hedge_wins_at_delay_plus_its_latency() {
    let h = hedge(HedgeConfig::new().delay(MS(100)));
    let probe = Probe::default();
    let t0 = Instant::now();
    let r = h.call(probe.plan(&[(500, Ok(1)), (50, Ok(2))])).await;
    assert_eq!(r, Ok(2));
    assert_eq!(t0.elapsed(), MS(150));
    assert_eq!((probe.started(), probe.cancelled()), (2, 1), "the primary was dropped");
    let s = h.tracker().stats();
    assert_eq!((s.total_requests, s.hedged_requests, s.hedge_won, s.hedges_denied), (1, 1, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn three_attempts_exact_winner_and_time() {
    // Attempts start at 0, 100 and 200 ms.
    let cases: [Case; 3] = [
        (&[(1000, Ok(1)), (1000, Ok(2)), (30, Ok(3))], 3, 230),
        (&[(1000, Ok(1)), (120, Ok(2)), (500, Ok(3))], 2, 220),
        (&[(250, Ok(1)), (1000, Ok(2)), (1000, Ok(3))], 1, 250),
    ];
    for (steps, winner, at) in cases {
        let h = hedge(HedgeConfig::new().delay(MS(100)).max_requests(3));
        let probe = Probe::default();
        let t0 = Instant::now();
        assert_eq!(h.call(probe.plan(steps)).await, Ok(winner));
        assert_eq!(t0.elapsed(), MS(at), "winner {winner}");
        assert_eq!((probe.started(), probe.cancelled()), (3, 2));
        assert_eq!(h.tracker().stats().hedge_won, u64::from(winner > 1));
    }
}

#[tokio::test(start_paused = true)]
async fn losers_are_dropped_at_once() {
    let h = hedge(HedgeConfig::new().delay(MS(10)).max_requests(3));
    let probe = Probe::default();
    let r = h.call(probe.plan(&[(10_000, Ok(1)), (15, Ok(2)), (10_000, Ok(3))])).await;
    assert_eq!(r, Ok(2));
    // Both losers were dropped before `call` returned, with no time passing after the win.
    assert_eq!(probe.cancelled(), 2);
}

#[tokio::test(start_paused = true)]
async fn no_hedge_when_the_primary_is_fast() {
    let h = hedge(HedgeConfig::new().delay(MS(100)));
    let probe = Probe::default();
    let t0 = Instant::now();
    assert_eq!(h.call(probe.plan(&[(99, Ok(1)), (1, Ok(2))])).await, Ok(1));
    assert_eq!(t0.elapsed(), MS(99));
    assert_eq!(probe.started(), 1);
    assert_eq!(h.tracker().stats().hedged_requests, 0);
}

static HEDGED: AtomicU32 = AtomicU32::new(0);

#[tokio::test(start_paused = true)]
async fn an_error_starts_the_next_attempt_at_once() {
    let h = hedge(HedgeConfig::new().delay(MS(100))).on_hedge(|n| {
        assert_eq!(n, 2);
        HEDGED.fetch_add(1, Ordering::SeqCst);
    });
    let probe = Probe::default();
    let t0 = Instant::now();
    let r = h.call(probe.plan(&[(30, Err("flaky")), (40, Ok(2))])).await;
    assert_eq!(r, Ok(2));
    assert_eq!(t0.elapsed(), MS(70), "attempt 2 started at 30 ms, not 100 ms");
    assert_eq!(HEDGED.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn all_failing_returns_the_last_error() {
    let h = hedge(HedgeConfig::new().delay(MS(100)).max_requests(3));
    let probe = Probe::default();
    let t0 = Instant::now();
    // 1 fails at 300; 2 starts at 100 and fails at 120; 3 starts at once and fails at 130.
    let r = h.call(probe.plan(&[(300, Err("a1")), (20, Err("a2")), (10, Err("a3"))])).await;
    assert_eq!(r, Err("a1"), "the last error to arrive");
    assert_eq!(t0.elapsed(), MS(300));
    assert_eq!((probe.started(), probe.cancelled()), (3, 0));
    let s = h.tracker().stats();
    assert_eq!((s.total_requests, s.hedged_requests, s.p50), (1, 2, Duration::ZERO), "failures are not latencies");
}

#[tokio::test(start_paused = true)]
async fn a_fatal_error_ends_the_call() {
    let h = hedge(HedgeConfig::new().delay(MS(100)).max_requests(3)).fatal(|e| *e == "fatal");
    let probe = Probe::default();
    let t0 = Instant::now();
    let r = h.call(probe.plan(&[(1000, Ok(1)), (10, Err("fatal")), (1, Ok(3))])).await;
    assert_eq!(r, Err("fatal"));
    assert_eq!(t0.elapsed(), MS(110));
    assert_eq!((probe.started(), probe.cancelled()), (2, 1), "attempt 3 never started, 1 was dropped");
}

#[derive(Debug, PartialEq)]
enum ApiError {
    Rejected(Rejection),
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError::Rejected(r)
    }
}

#[tokio::test(start_paused = true)]
async fn timeout_rejects_and_drops_every_attempt() {
    let h: Hedge<ApiError> = Hedge::new(HedgeConfig::new().delay(MS(100))).timeout(MS(250));
    let probe = Probe::default();
    let t0 = Instant::now();
    let r = h
        .call(|| {
            let f = probe.attempt(1000, Ok(1));
            async move { f.await.map_err(|_| unreachable!()) }
        })
        .await;
    assert_eq!(r, Err(ApiError::Rejected(Rejection::TimedOut { after: MS(250) })));
    assert_eq!(t0.elapsed(), MS(250));
    assert_eq!((probe.started(), probe.cancelled()), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn timeout_with_a_single_attempt() {
    let h: Hedge<ApiError> = Hedge::new(HedgeConfig::new().max_requests(1)).timeout(MS(250));
    let t0 = Instant::now();
    let r = h
        .call(|| async {
            sleep(MS(1000)).await;
            Ok(1)
        })
        .await;
    assert_eq!(r, Err(ApiError::Rejected(Rejection::TimedOut { after: MS(250) })));
    assert_eq!(t0.elapsed(), MS(250));
    let fast = h.call(|| async { Ok(7) }).await;
    assert_eq!(fast, Ok(7));
}

async fn lookup(h: &Hedge<&'static str>, keys: &[String], wanted: &str) -> Result<usize, &'static str> {
    // Every attempt borrows `keys` and `wanted`: nothing is `'static`, nothing is spawned.
    h.call(|| async { keys.iter().position(|k| k == wanted).ok_or("missing") }).await
}

#[tokio::test(start_paused = true)]
async fn attempts_may_borrow_arguments_and_need_not_be_send() {
    let h = hedge(HedgeConfig::new().delay(Duration::ZERO));
    let keys = vec!["a".to_owned(), "b".to_owned()];
    assert_eq!(lookup(&h, &keys, "b").await, Ok(1));
    let local = std::rc::Rc::new(5u32); // !Send
    let r = h
        .call(|| {
            let local = local.clone();
            async move {
                sleep(MS(10)).await;
                Ok(*local)
            }
        })
        .await;
    assert_eq!(r, Ok(5));
}

/// An attempt that is pending is polled again only when it wakes its task: a call that
/// polled it once in a wake-up does not poll it again in the same one (for a single attempt
/// too, where no timer runs).
#[test]
fn a_pending_attempt_is_polled_again_only_when_woken() {
    use std::task::{Context, Poll, Waker};
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let _enter = rt.enter();
    for cfg in [HedgeConfig::new().max_requests(1), HedgeConfig::new().delay(MS(10))] {
        let polls = AtomicU32::new(0);
        let waker: Mutex<Option<Waker>> = Mutex::new(None);
        let attempt = || {
            std::future::poll_fn(|cx: &mut Context<'_>| {
                if polls.fetch_add(1, Ordering::SeqCst) == 0 {
                    *waker.lock().unwrap() = Some(cx.waker().clone());
                    Poll::Pending
                } else {
                    Poll::Ready(Ok::<u32, &'static str>(7))
                }
            })
        };
        let h = hedge(cfg);
        let mut call = std::pin::pin!(h.call(attempt));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(call.as_mut().poll(&mut cx).is_pending(), "{cfg:?}");
        assert_eq!(polls.load(Ordering::SeqCst), 1, "polled once until woken: {cfg:?}");
        waker.lock().unwrap().take().expect("the attempt registered its waker").wake();
        assert_eq!(call.as_mut().poll(&mut cx), Poll::Ready(Ok(7)), "{cfg:?}");
        assert_eq!(polls.load(Ordering::SeqCst), 2, "{cfg:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_drops_every_attempt() {
    let h = hedge(HedgeConfig::new().delay(MS(100)).max_requests(3));
    let probe = Probe::default();
    let call = h.call(probe.plan(&[(10_000, Ok(1)), (10_000, Ok(2)), (10_000, Ok(3))]));
    // The caller gives up at 250 ms, when three attempts are in flight.
    assert!(tokio::time::timeout(MS(250), call).await.is_err());
    assert_eq!((probe.started(), probe.cancelled()), (3, 3));
    let s = h.tracker().stats();
    assert_eq!((s.total_requests, s.hedged_requests), (1, 2), "a cancelled call still counts");
}

#[tokio::test(start_paused = true)]
async fn adaptive_delay_converges_to_the_percentile() {
    // Latencies uniform over 1..=100 ms: p90 = 90 ms. Hedging only shortens calls slower
    // than the delay, and never below it, so the recorded p90 stays the unhedged one.
    let cfg = HedgeConfig::new().percentile(90.0).token_max(1000.0).token_success_credit(1.0);
    let h = hedge(cfg);
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..3000 {
        h.call(|| {
            let latency = rng.u64(1..=100);
            async move {
                sleep(MS(latency)).await;
                Ok(0)
            }
        })
        .await
        .unwrap();
    }
    let s = h.tracker().stats();
    assert!(s.current_delay.abs_diff(MS(90)) <= MS(4), "{:?}", s.current_delay);
    assert!(s.p95 >= MS(90), "{:?}", s.p95);
    // About 10 % of calls outlast the delay and fire a hedge.
    let rate = s.hedged_requests as f64 / s.total_requests as f64;
    assert!((0.06..0.14).contains(&rate), "hedge rate {rate}");
}

#[tokio::test(start_paused = true)]
async fn adaptive_delay_uses_initial_delay_until_min_samples() {
    let cfg = HedgeConfig::new().percentile(50.0).min_samples(5).initial_delay(MS(30));
    let h = hedge(cfg);
    for _ in 0..4 {
        h.call(|| async { Ok(0) }).await.unwrap();
    }
    assert_eq!(h.tracker().stats().current_delay, MS(30));
    h.call(|| async { Ok(0) }).await.unwrap();
    assert_eq!(h.tracker().stats().current_delay, MS(1), "clamped to min_delay");
}

#[tokio::test(start_paused = true)]
async fn the_budget_bounds_the_hedge_rate() {
    // Every primary is slow, so every call wants a hedge; only the budget says no.
    let h = hedge(HedgeConfig::new().delay(MS(100)));
    let calls = 1000u64;
    for _ in 0..calls {
        let probe = Probe::default();
        h.call(probe.plan(&[(200, Ok(1)), (10, Ok(2))])).await.unwrap();
    }
    let s = h.tracker().stats();
    let bound = 10.0 + calls as f64 * 0.1 / 1.0;
    assert!(s.hedged_requests as f64 <= bound, "{s:?}");
    assert!(s.hedged_requests >= 100, "the budget allows about a tenth: {s:?}");
    assert_eq!(s.hedged_requests + s.hedges_denied, calls);
    assert_eq!(s.total_requests, calls);
}

#[tokio::test(start_paused = true)]
async fn stats_fields() {
    let h = hedge(HedgeConfig::new().delay(MS(100)));
    for ms in [10, 20, 30, 40, 50, 60, 70, 80, 90] {
        h.call(|| async move {
            sleep(MS(ms)).await;
            Ok(0)
        })
        .await
        .unwrap();
    }
    let probe = Probe::default();
    h.call(probe.plan(&[(500, Ok(1)), (50, Ok(2))])).await.unwrap();
    let s = h.tracker().stats();
    assert_eq!((s.total_requests, s.hedged_requests, s.hedge_won, s.hedges_denied), (10, 1, 1, 0));
    let near = |d: Duration, ms: u64| d.abs_diff(MS(ms)) <= MS(ms) / 64;
    assert!(near(s.p50, 50), "{s:?}");
    assert!(near(s.p95, 150) && near(s.p99, 150), "{s:?}");
    assert_eq!(s.current_delay, MS(100));
    assert!((s.tokens - (10.0 - 1.0 + 0.1)).abs() < 1e-9, "{s:?}"); // full, -1 hedge, +0.1 after it
}

static SITE_A: HedgeSite =
    HedgeSite::named("tests::a", HedgeConfig::new().delay(Duration::from_millis(10)), "shared-search", false);
static SITE_B: HedgeSite =
    HedgeSite::named("tests::b", HedgeConfig::new().delay(Duration::from_millis(10)), "shared-search", false);

#[tokio::test(start_paused = true)]
async fn sites_with_one_name_share_tracker_budget_and_stats() {
    // Each hedged call costs 1 token and earns 0.1 back: after 11 calls the shared bucket
    // holds 10 - 11 × 0.9 = 0.1 tokens, below the threshold, and site B's hedge is denied.
    for _ in 0..11 {
        let probe = Probe::default();
        SITE_A.call(&CallSpan::new(), Free, &HedgeHooks::NONE, probe.plan(&[(50, Ok(1)), (5, Ok(2))])).await.unwrap();
        assert_eq!(probe.started(), 2);
    }
    let probe = Probe::default();
    let r = SITE_B.call(&CallSpan::new(), Free, &HedgeHooks::NONE, probe.plan(&[(50, Ok(1)), (5, Ok(2))])).await;
    assert_eq!(r, Ok(1));
    assert_eq!(probe.started(), 1);
    assert!(std::ptr::eq(SITE_A.tracker(), SITE_B.tracker()));
    let s = hedge_tracker("shared-search").stats();
    assert_eq!((s.total_requests, s.hedged_requests, s.hedge_won, s.hedges_denied), (12, 11, 11, 1));
}

#[tokio::test(start_paused = true)]
async fn plain_policies_share_a_name_too() {
    let a = hedge(HedgeConfig::new()).name("shared-plain");
    let b = hedge(HedgeConfig::new()).name("shared-plain");
    a.call(|| async { Ok(1) }).await.unwrap();
    b.call(|| async { Ok(1) }).await.unwrap();
    assert_eq!(hedge_tracker("shared-plain").stats().total_requests, 2);
    // Unnamed policies keep their own tracker.
    let c = hedge(HedgeConfig::new());
    c.call(|| async { Ok(1) }).await.unwrap();
    assert_eq!(c.tracker().stats().total_requests, 1);
}

static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Recorder;

impl Observer for Recorder {
    fn on_event(&self, event: &Event<'_>) {
        let line = match event {
            Event::HedgeFired { name: "events", attempt, .. } => format!("fired {attempt}"),
            Event::HedgeWon { name: "events", attempt, .. } => format!("won {attempt}"),
            Event::HedgeDenied { name: "events", attempt, .. } => format!("denied {attempt}"),
            _ => return,
        };
        EVENTS.lock().unwrap().push(line);
    }
}

#[tokio::test(start_paused = true)]
async fn telemetry_events() {
    set_observer(Recorder);
    let h = hedge(HedgeConfig::new().delay(MS(10)).max_requests(3).token_max(1.0)).name("events");
    let probe = Probe::default();
    h.call(probe.plan(&[(100, Ok(1)), (20, Ok(2))])).await.unwrap();
    assert_eq!(*EVENTS.lock().unwrap(), ["fired 2", "denied 3", "won 2"]);
}

fn samples() -> impl Strategy<Value = Vec<u64>> {
    // Log-uniform nanoseconds from 0 to ~2^39, so every bucket width is exercised.
    prop::collection::vec((0u32..39, any::<u64>()).prop_map(|(e, m)| m % (1u64 << e).max(1) + (1u64 << e) - 1), 1..600)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Percentiles stay within 1/64 (relative) of the exact nearest-rank percentile of the
    /// samples the window is documented to hold: `[(g-1)·L, n)` with `L = ceil(buffer/2)`.
    #[test]
    fn window_percentiles_are_within_the_documented_error(
        samples in samples(),
        buffer in 1u32..800,
        p in 0.01f64..=100.0,
    ) {
        let w = LatencyWindow::new(buffer);
        for &s in &samples {
            w.record(Duration::from_nanos(s));
        }
        let l = u64::from(buffer).div_ceil(2) as usize;
        let g = samples.len() / l;
        let mut window: Vec<u64> = samples[if g == 0 { 0 } else { (g - 1) * l }..].to_vec();
        window.sort_unstable();
        let exact = window[nearest_rank(p, window.len() as u64) as usize - 1];
        let got = w.percentile(p).unwrap().as_nanos() as u64;
        prop_assert!(got.abs_diff(exact) * 64 <= exact, "p{} of {} samples: exact {}, got {}", p, window.len(), exact, got);
    }
}

/// Counts allocations made by the current thread.
struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

#[test]
fn the_success_path_does_not_allocate() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let h = hedge(HedgeConfig::new().percentile(95.0));
    let once = || async {
        tokio::task::yield_now().await; // pending once: the timer is armed
        Ok(1)
    };
    rt.block_on(async {
        for _ in 0..100 {
            h.call(once).await.unwrap(); // warm up: tracker creation, runtime buffers
            h.call(|| async { Ok(1) }).await.unwrap();
        }
        let before = ALLOCATIONS.with(|n| n.get());
        for _ in 0..1000 {
            h.call(once).await.unwrap();
            h.call(|| async { Ok(1) }).await.unwrap();
        }
        assert_eq!(ALLOCATIONS.with(|n| n.get()) - before, 0);
        assert_eq!(h.tracker().stats().hedged_requests, 0);
        // The counter works: a call whose hedge fires does allocate.
        let eager = hedge(HedgeConfig::new().delay(Duration::ZERO));
        let before = ALLOCATIONS.with(|n| n.get());
        eager.call(once).await.unwrap();
        assert!(ALLOCATIONS.with(|n| n.get()) > before);
    });
}
