//! `#[bulkhead(adaptive = ..)]` on tokio's paused clock: the limit follows the latency the
//! downstream shows and stays within `min_concurrent..=max_concurrent`; no call is admitted
//! above the limit in force, across clones of a call site and under cancellation; and,
//! against `resile::sim`'s downstream that slows down past a capacity `C`, where the limit
//! settles (`convergence_*`, whose figures `benches/README.md` reports). The tests of a
//! capacity that changes during the run, of cancellation and of the bounds use a model
//! downstream of their own (the same law as the simulator's, with a capacity that can be
//! set while calls run).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use std::cell::{Cell, RefCell};

use resile::Rejection;
use resile::bulkhead::{AdaptiveAlgorithm, Bulkhead, BulkheadConfig};
use resile::sim::{self, Arrival, Latency, Simulation};
use tokio::time::{Instant, sleep};

#[derive(Debug, PartialEq)]
enum Error {
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

/// A downstream whose latency is `base` while at most `capacity` calls are in it, and grows
/// in proportion beyond: `base × max(1, in_flight / capacity)`, fixed when a call enters
/// (a server of `capacity` workers sharing its time among the calls in it).
#[derive(Debug)]
struct Downstream {
    base_us: AtomicU64,
    capacity: AtomicU32,
    in_flight: AtomicU32,
    most_in_flight: AtomicU32,
}

impl Downstream {
    fn new(base: Duration, capacity: u32) -> Arc<Self> {
        Arc::new(Downstream {
            base_us: AtomicU64::new(base.as_micros() as u64),
            capacity: AtomicU32::new(capacity),
            in_flight: AtomicU32::new(0),
            most_in_flight: AtomicU32::new(0),
        })
    }

    fn set_capacity(&self, capacity: u32) {
        self.capacity.store(capacity, Ordering::Relaxed);
    }

    async fn serve(&self) -> Duration {
        let n = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.most_in_flight.fetch_max(n, Ordering::Relaxed);
        let (base, capacity) = (self.base_us.load(Ordering::Relaxed), u64::from(self.capacity.load(Ordering::Relaxed)));
        let latency = Duration::from_micros(base * u64::from(n).max(capacity) / capacity);
        // Counted out even if the call is dropped here.
        struct Out<'a>(&'a AtomicU32);
        impl Drop for Out<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let _out = Out(&self.in_flight);
        sleep(latency).await;
        latency
    }
}

// ---- convergence, driven through `resile::sim` ----
//
// `benches/README.md` ("Adaptive bulkhead convergence") reports these runs' figures, and
// `cargo run --release --example adaptive` draws them.

/// The downstream's capacity in the convergence runs: the adaptive bulkheads' ceiling is
/// 4C, the fixed ones 2C and 4C.
const C: u32 = 40;
/// Its latency while at most `C` calls are in it.
const BASE: Duration = Duration::from_millis(100);
/// Arrivals at twice its capacity (C / BASE = 400 calls/s), for 120 virtual seconds (the
/// algorithms see one sample a second).
const RATE: f64 = 800.0;
const LENGTH: Duration = Duration::from_secs(120);
const SEED: u64 = 18;

/// `resile::sim`'s downstream: `BASE` up to `C` calls in progress, `BASE × n / C` for a
/// call that enters with `n > C` in progress (itself included), fixed at entry.
fn workload(rate: f64) -> Simulation {
    Simulation::new(sim::Downstream::new().latency(Latency::fixed(BASE)).capacity(C))
        .arrival(Arrival::constant(rate))
        .duration(LENGTH)
        .seed(SEED)
}

/// What a run saw in its second half.
#[derive(Debug)]
struct Run {
    /// The limit in force, every 100 ms: min, max, mean.
    limits: (u32, u32, f64),
    p50: Duration,
    p99: Duration,
    admitted: usize,
    refused: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Runs `workload(rate)` through a `Bulkhead` of `config` (`max_wait` 0: what does not fit
/// is refused at once), sampling its limit every 100 ms; the figures of the second half:
/// the limits, and the exact p50 and p99 of the admitted calls' latencies.
async fn converge(rate: f64, config: BulkheadConfig) -> Run {
    let bulkhead = Bulkhead::new("converge", config);
    let start = Instant::now();
    let half = LENGTH / 2;
    let latencies = RefCell::new(Vec::new());
    let refused = Cell::new(0);
    let report = workload(rate)
        .run_sampled(
            async |d| {
                let arrived = Instant::now();
                let result = bulkhead.call(|| d.call()).await;
                if arrived - start >= half {
                    match result {
                        Ok(()) => latencies.borrow_mut().push(arrived.elapsed()),
                        Err(_) => refused.set(refused.get() + 1),
                    }
                }
                result
            },
            Duration::from_millis(100),
            || f64::from(bulkhead.stats().limit),
        )
        .await;
    let limits: Vec<u32> =
        report.samples().iter().filter(|(at, _)| *at >= half && *at < LENGTH).map(|&(_, l)| l as u32).collect();
    let mut l = latencies.into_inner();
    l.sort();
    Run {
        limits: (
            *limits.iter().min().unwrap(),
            *limits.iter().max().unwrap(),
            limits.iter().map(|&x| f64::from(x)).sum::<f64>() / limits.len() as f64,
        ),
        p50: percentile(&l, 0.50),
        p99: percentile(&l, 0.99),
        admitted: l.len(),
        refused: refused.get(),
    }
}

fn adaptive(algorithm: AdaptiveAlgorithm) -> BulkheadConfig {
    BulkheadConfig::new(4 * C).adaptive(algorithm)
}

/// The p99 of the same downstream at a quarter of its capacity (100 calls/s), through a
/// fixed bulkhead that never fills.
async fn unloaded_p99() -> Duration {
    let run = converge(100.0, BulkheadConfig::new(4 * C)).await;
    assert_eq!(run.refused, 0, "{run:?}");
    run.p99
}

fn report(what: &str, run: &Run, unloaded: Duration) {
    println!(
        "{what}: limit min {} max {} mean {:.1} (C = {C}); p50 {:?} p99 {:?} ({:.2}× unloaded {unloaded:?}); admitted {} refused {}",
        run.limits.0,
        run.limits.1,
        run.limits.2,
        run.p50,
        run.p99,
        run.p99.as_secs_f64() / unloaded.as_secs_f64(),
        run.admitted,
        run.refused
    );
}

/// Within 20 % of `C`, every sample of the second half.
fn settles_near_capacity(run: &Run) -> bool {
    let (lo, hi) = (f64::from(C) * 0.8, f64::from(C) * 1.2);
    f64::from(run.limits.0) >= lo && f64::from(run.limits.1) <= hi
}

#[tokio::test(start_paused = true)]
async fn unloaded_p99_is_the_base_latency() {
    assert_eq!(unloaded_p99().await, BASE);
}

#[tokio::test(start_paused = true)]
async fn convergence_gradient2() {
    let unloaded = unloaded_p99().await;
    let run = converge(RATE, adaptive(AdaptiveAlgorithm::Gradient2)).await;
    report("gradient2", &run, unloaded);
    assert!(settles_near_capacity(&run), "{run:?}");
    assert!(run.p99 <= unloaded * 2, "{run:?}");
}

#[tokio::test(start_paused = true)]
async fn convergence_vegas() {
    let unloaded = unloaded_p99().await;
    let run = converge(RATE, adaptive(AdaptiveAlgorithm::Vegas)).await;
    report("vegas", &run, unloaded);
    assert!(settles_near_capacity(&run), "{run:?}");
    assert!(run.p99 <= unloaded * 2, "{run:?}");
}

#[tokio::test(start_paused = true)]
async fn convergence_aimd() {
    let unloaded = unloaded_p99().await;
    let run = converge(RATE, adaptive(AdaptiveAlgorithm::Aimd)).await;
    report("aimd", &run, unloaded);
    // Loss-based: a downstream that only slows down (below AIMD's 5 s timeout) never makes
    // it back off; it climbs by one a window (a second) towards the ceiling, and p99 with it.
    assert!(!settles_near_capacity(&run), "{run:?}");
    assert!(run.limits.1 >= 2 * C && run.p99 > unloaded * 2, "{run:?}");
}

/// AIMD's one latency signal is its timeout (5 s, Netflix's `AIMDLimit.DEFAULT_TIMEOUT`):
/// against a downstream of 1 s whose capacity is 20, a window whose average latency
/// passes 5 s, that is about 5 × 20 = 100 calls in it, counts as a drop. The limit climbs
/// to there and backs off (× 0.9 a window, for as long as the calls admitted before the
/// back-off keep the windows' average above 5 s), then climbs again (+1 a window): a saw
/// whose top is the timeout's, far from `C`.
#[tokio::test(start_paused = true)]
async fn aimd_backs_off_where_the_latency_passes_its_timeout() {
    let sim = Simulation::new(sim::Downstream::new().latency(Latency::fixed(Duration::from_secs(1))).capacity(20))
        .arrival(Arrival::constant(40.0))
        .duration(Duration::from_secs(400))
        .seed(SEED);
    let bulkhead = Bulkhead::new("aimd-timeout", BulkheadConfig::new(160).adaptive(AdaptiveAlgorithm::Aimd));
    let report = sim
        .run_sampled(
            async |d| bulkhead.call(|| d.call()).await,
            Duration::from_millis(100),
            || f64::from(bulkhead.stats().limit),
        )
        .await;
    let second_half: Vec<u32> = report
        .samples()
        .iter()
        .filter(|(at, _)| at.as_secs() >= 200 && at.as_secs() < 400)
        .map(|&(_, l)| l as u32)
        .collect();
    let (lo, hi) = (*second_half.iter().min().unwrap(), *second_half.iter().max().unwrap());
    println!(
        "aimd against a 1 s downstream of capacity 20: limit {lo}..={hi} over the second half, p99 {:?}",
        report.p99
    );
    assert!((95..=110).contains(&hi), "backs off where the latency passes 5 s (100 calls): {lo}..={hi}");
    assert!(lo < 90, "and keeps sawing: {lo}..={hi}");
    assert!(report.p99 > Duration::from_secs(5), "{report:?}");
}

#[tokio::test(start_paused = true)]
async fn convergence_fixed() {
    let unloaded = unloaded_p99().await;
    let at_2c = converge(RATE, BulkheadConfig::new(2 * C)).await;
    report("fixed 2C", &at_2c, unloaded);
    let at_4c = converge(RATE, BulkheadConfig::new(4 * C)).await;
    report("fixed 4C", &at_4c, unloaded);
    // The queue in the downstream: p99 grows with the bulkhead's size, to 2× and 4× the
    // unloaded p99, where the adaptive ones keep it within 2× (`convergence_gradient2`,
    // `convergence_vegas`).
    assert_eq!((at_2c.limits.0, at_2c.limits.1), (2 * C, 2 * C));
    assert!(at_2c.p99 >= unloaded * 2, "{at_2c:?}");
    assert!(at_4c.p99 >= unloaded * 4, "{at_4c:?}");
}

// ---- the limit follows the latency, within its bounds ----

#[resile::bulkhead(
    name = "adaptive-follow",
    max_concurrent = 60,
    adaptive = "gradient2",
    min_concurrent = 12,
    initial_concurrent = 16
)]
async fn follow(d: Arc<Downstream>) -> Result<Duration, Error> {
    Ok(d.serve().await)
}

/// Arrivals at twice the capacity of the model downstream: 4 every 5 ms.
const PER_TICK: u32 = 4;
const TICK: Duration = Duration::from_millis(5);

/// Drives `follow` at twice the downstream's capacity for `length`; the limits seen, every
/// 100 ms.
async fn load(d: &Arc<Downstream>, length: Duration) -> Vec<u32> {
    let start = Instant::now();
    let mut limits = Vec::new();
    let mut tasks = Vec::new();
    while start.elapsed() < length {
        for _ in 0..PER_TICK {
            tasks.push(tokio::spawn(follow(d.clone())));
        }
        if start.elapsed().as_millis().is_multiple_of(100) {
            limits.push(resile::bulkhead("adaptive-follow").stats().limit);
        }
        sleep(TICK).await;
    }
    for t in tasks {
        let _ = t.await.unwrap();
    }
    limits
}

#[tokio::test(start_paused = true)]
async fn the_limit_falls_when_latency_rises_and_rises_when_it_falls() {
    let stats = resile::bulkhead("adaptive-follow").stats();
    assert_eq!((stats.limit, stats.max_concurrent), (0, 0)); // not created yet
    let d = Downstream::new(BASE, C);
    assert_eq!(follow(d.clone()).await, Ok(BASE));
    assert_eq!(resile::bulkhead("adaptive-follow").stats().limit, 16, "starts at initial_concurrent");
    let first = load(&d, Duration::from_secs(40)).await;
    let settled = *first.last().unwrap();
    assert!((C..=C * 6 / 5).contains(&settled), "settles near C: {settled}");
    // The downstream's capacity drops to 20: its latency doubles at the same load.
    d.set_capacity(20);
    let second = load(&d, Duration::from_secs(40)).await;
    let low = *second.last().unwrap();
    assert!(low < settled && (20..=26).contains(&low), "falls to near 20: {low} (from {settled})");
    // And to 5, below `min_concurrent`: the limit stops at 12.
    d.set_capacity(5);
    let third = load(&d, Duration::from_secs(40)).await;
    assert_eq!(*third.last().unwrap(), 12, "stops at min_concurrent");
    // Back to 40: the limit climbs again.
    d.set_capacity(C);
    let fourth = load(&d, Duration::from_secs(60)).await;
    let high = *fourth.last().unwrap();
    assert!(high > 30, "climbs back: {high}");
    for limit in first.iter().chain(&second).chain(&third).chain(&fourth) {
        assert!((12..=60).contains(limit), "within min_concurrent..=max_concurrent: {limit}");
    }
    let stats = resile::bulkhead("adaptive-follow").stats();
    assert_eq!((stats.max_concurrent, stats.in_use, stats.waiting), (60, 0, 0));
    println!(
        "follow: settled {settled}, capacity 20 -> {low}, capacity 5 -> {}, back to 40 -> {high}",
        third.last().unwrap()
    );
}

// ---- no over-admission, across call sites of one name and under cancellation ----

/// The most `in_use` seen above the limit in force at an admission (0: never), across the
/// sites of `adaptive-sweep`.
static OVER: AtomicU32 = AtomicU32::new(0);
static ADMITTED: AtomicU32 = AtomicU32::new(0);

fn admitted() {
    // Read in the poll that admitted the call: nothing else ran in between.
    let stats = resile::bulkhead("adaptive-sweep").stats();
    OVER.fetch_max(stats.in_use.saturating_sub(stats.limit), Ordering::Relaxed);
    ADMITTED.fetch_add(1, Ordering::Relaxed);
}

#[resile::bulkhead(
    name = "adaptive-sweep",
    max_concurrent = 24,
    max_wait = "30ms",
    adaptive = "vegas",
    min_concurrent = 2
)]
async fn sweep_a(d: Arc<Downstream>) -> Result<Duration, Error> {
    admitted();
    Ok(d.serve().await)
}

#[resile::bulkhead(
    name = "adaptive-sweep",
    max_concurrent = 24,
    max_wait = "5ms",
    adaptive = "vegas",
    min_concurrent = 2
)]
async fn sweep_b(d: Arc<Downstream>) -> Result<Duration, Error> {
    admitted();
    tokio::task::yield_now().await;
    Ok(d.serve().await)
}

#[tokio::test(start_paused = true)]
async fn no_call_is_admitted_above_the_limit_in_force_and_every_permit_comes_back() {
    // A downstream of capacity 8 whose base latency is 20 ms; one call in three is cut after
    // 0..=40 ms (in the queue, between the awaits, or in the downstream).
    let d = Downstream::new(Duration::from_millis(20), 8);
    let start = Instant::now();
    let mut tasks = Vec::new();
    let mut limits = std::collections::BTreeSet::new();
    let mut i = 0u64;
    while start.elapsed() < Duration::from_secs(30) {
        for _ in 0..3 {
            i += 1;
            let cut = Duration::from_millis(i * 7 % 41);
            let call = if i.is_multiple_of(2) {
                Box::pin(sweep_a(d.clone())) as std::pin::Pin<Box<dyn Future<Output = _> + Send>>
            } else {
                Box::pin(sweep_b(d.clone()))
            };
            tasks.push(tokio::spawn(async move {
                if i.is_multiple_of(3) {
                    let _ = tokio::time::timeout(cut, call).await;
                } else {
                    let _ = call.await;
                }
            }));
        }
        // The capacity swings every 5 s, so the limit moves up and down under the calls.
        d.set_capacity(if (start.elapsed().as_secs() / 5).is_multiple_of(2) { 8 } else { 16 });
        if i > 3 {
            limits.insert(resile::bulkhead("adaptive-sweep").stats().limit);
        }
        sleep(Duration::from_millis(2)).await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(OVER.load(Ordering::Relaxed), 0, "a call was admitted above the limit in force");
    assert!(ADMITTED.load(Ordering::Relaxed) > 1_000);
    let (lowest, highest) = (*limits.first().unwrap(), *limits.last().unwrap());
    assert!(lowest < 20 && highest > 20, "the limit moved down and up from 20: {limits:?}");
    let stats = resile::bulkhead("adaptive-sweep").stats();
    assert_eq!((stats.in_use, stats.waiting), (0, 0));
    assert_eq!(d.in_flight.load(Ordering::Relaxed), 0);
    // Every permit is back: `limit` calls run at once, and the next one is refused.
    let limit = stats.limit;
    let slow = Downstream::new(Duration::from_secs(10), 1_000);
    let held: Vec<_> = (0..limit).map(|_| tokio::spawn(sweep_a(slow.clone()))).collect();
    tokio::task::yield_now().await;
    assert_eq!(resile::bulkhead("adaptive-sweep").stats().in_use, limit);
    assert_eq!(sweep_a(slow.clone()).await, Err(Error::Rejected(Rejection::BulkheadFull { name: "adaptive-sweep" })));
    for h in held {
        assert!(h.await.unwrap().is_ok());
    }
    println!("sweep: limits seen {limits:?}, admitted {}", ADMITTED.load(Ordering::Relaxed));
}

#[resile::bulkhead(
    name = "adaptive-drop",
    max_concurrent = 8,
    max_wait = "30ms",
    adaptive = "aimd",
    initial_concurrent = 4
)]
async fn drop_a(d: Arc<Downstream>) -> Result<Duration, Error> {
    tokio::task::yield_now().await;
    Ok(d.serve().await)
}

#[resile::bulkhead(
    name = "adaptive-drop",
    max_concurrent = 8,
    max_wait = "5ms",
    adaptive = "aimd",
    initial_concurrent = 4
)]
async fn drop_b(d: Arc<Downstream>) -> Result<Duration, Error> {
    tokio::task::yield_now().await;
    Ok(d.serve().await)
}

/// Dropping a call at each of its await points, one by one, gives every permit back and
/// leaves the queue (a drop sweep: the call is polled `k` times, then dropped).
#[tokio::test(start_paused = true)]
async fn a_call_dropped_at_any_await_point_gives_its_permits_back() {
    let d = Downstream::new(Duration::from_millis(3), 1_000);
    for k in 0..6 {
        // The call under test is admitted first (or queued, when `k` is 0 it is never
        // polled); then `limit` more arrive, the last of which queues behind it.
        let limit = {
            let _ = drop_b(d.clone()).await;
            resile::bulkhead("adaptive-drop").stats().limit
        };
        let held: Vec<_> = (0..limit).map(|_| tokio::spawn(drop_b(d.clone()))).collect();
        let mut call = Box::pin(drop_a(d.clone()));
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        for _ in 0..k {
            if call.as_mut().poll(&mut cx).is_ready() {
                break;
            }
            tokio::time::advance(Duration::from_millis(1)).await;
        }
        drop(call);
        for h in held {
            let _ = h.await.unwrap();
        }
        let stats = resile::bulkhead("adaptive-drop").stats();
        assert_eq!((stats.in_use, stats.waiting), (0, 0), "dropped after {k} polls");
        assert_eq!(d.in_flight.load(Ordering::Relaxed), 0);
    }
}

// ---- stats and live bounds ----

#[tokio::test(start_paused = true)]
async fn stats_report_the_limit_and_live_bounds_bring_it_within_them() {
    use resile::bulkhead::{AdaptiveAlgorithm, Bulkhead, BulkheadConfig};

    let fixed = Bulkhead::named("adaptive-stats-fixed", BulkheadConfig::new(7));
    assert_eq!((fixed.stats().limit, fixed.stats().max_concurrent), (7, 7));
    let config = BulkheadConfig::new(100).adaptive(AdaptiveAlgorithm::Aimd);
    let pool = Bulkhead::named("adaptive-stats", config);
    assert_eq!((pool.stats().limit, pool.stats().max_concurrent), (20, 100), "starts at min(20, max_concurrent)");
    let held: Vec<_> = (0..20).map(|_| pool.try_acquire_sampled(1).unwrap()).collect();
    assert!(pool.try_acquire_sampled(1).is_none(), "the limit, not the ceiling, is in force");
    // A lower ceiling: the limit follows at once; running calls keep their permits.
    resile::bulkhead("adaptive-stats").reconfigure(config.max_concurrent(10)).unwrap();
    let stats = pool.stats();
    assert_eq!((stats.limit, stats.max_concurrent, stats.in_use), (10, 10, 20));
    drop(held); // samples of 0 ns: below 100 µs, ignored
    assert_eq!(pool.stats().in_use, 0);
    let again: Vec<_> = (0..10).map(|_| pool.try_acquire_sampled(1).unwrap()).collect();
    assert!(pool.try_acquire_sampled(1).is_none());
    drop(again);
    // A higher floor lifts the limit.
    resile::bulkhead("adaptive-stats").reconfigure(config.max_concurrent(40).min_concurrent(30)).unwrap();
    assert_eq!((pool.stats().limit, pool.stats().max_concurrent), (30, 40));
    assert!(resile::bulkhead("adaptive-stats").reconfigure(config.max_concurrent(40).min_concurrent(50)).is_err());
}

// ---- every way in feeds the limit: a policy site, a layer, `acquire_sampled` ----
//
// Twelve callers keep calls of a steady 10 ms going for 5 s. With samples, Gradient2 sees
// a latency that does not rise and lifts the limit from `initial_concurrent` (16); without
// them it never moves (the control).

mod every_way_in {
    use super::*;
    use resile::bulkhead::{AdaptiveAlgorithm, Bulkhead, BulkheadConfig};
    use resile::layer::BulkheadLayer;
    use resile::telemetry::{CallSpan, Function};
    use tower::{ServiceBuilder, ServiceExt, service_fn};

    const CALLERS: usize = 12;
    const LENGTH: Duration = Duration::from_secs(5);
    const STEADY: Duration = Duration::from_millis(10);
    const CONFIG: BulkheadConfig =
        BulkheadConfig::new(60).adaptive(AdaptiveAlgorithm::Gradient2).initial_concurrent(16);

    /// `CALLERS` tasks, each calling `call` in a loop for `LENGTH`; every call admitted.
    async fn keep_busy<F, Fut>(call: F)
    where
        F: Fn() -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Result<(), Rejection>> + Send,
    {
        let start = Instant::now();
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..CALLERS {
            let call = call.clone();
            callers.spawn(async move {
                while start.elapsed() < LENGTH {
                    call().await.expect("twelve callers under a limit of at least 16");
                }
            });
        }
        callers.join_all().await;
    }

    const BY_POLICY: resile::BulkheadPolicy = resile::BulkheadPolicy::with_config("adaptive-by-policy", CONFIG);

    #[resile::bulkhead(policy = BY_POLICY)]
    async fn by_policy() -> Result<(), Rejection> {
        sleep(STEADY).await;
        Ok(())
    }

    #[tokio::test(start_paused = true)]
    async fn a_policy_site_feeds_an_adaptive_policy() {
        keep_busy(by_policy).await;
        let limit = resile::bulkhead("adaptive-by-policy").stats().limit;
        assert!(limit > 16, "the limit rose from 16: {limit}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_layer_feeds_an_adaptive_policy() {
        const LAYERED: resile::BulkheadPolicy = resile::BulkheadPolicy::with_config("adaptive-by-layer", CONFIG);
        let service = ServiceBuilder::new().layer(BulkheadLayer::new(LAYERED)).service(service_fn(|()| async {
            sleep(STEADY).await;
            Ok::<_, Rejection>(())
        }));
        keep_busy(move || service.clone().oneshot(())).await;
        let limit = resile::bulkhead("adaptive-by-layer").stats().limit;
        assert!(limit > 16, "the limit rose from 16: {limit}");
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_sampled_feeds_the_limit_and_acquire_does_not() {
        let sampled = Arc::new(Bulkhead::named("adaptive-by-acquire", CONFIG));
        let pool = sampled.clone();
        keep_busy(move || {
            let pool = pool.clone();
            async move {
                let span = CallSpan::detached();
                let _permit = pool.acquire_sampled(1, Duration::ZERO, span, Function::free("test")).await?;
                sleep(STEADY).await;
                Ok(())
            }
        })
        .await;
        assert!(sampled.stats().limit > 16, "the limit rose from 16: {}", sampled.stats().limit);

        let unsampled = Arc::new(Bulkhead::named("adaptive-by-acquire-control", CONFIG));
        let pool = unsampled.clone();
        keep_busy(move || {
            let pool = pool.clone();
            async move {
                let span = CallSpan::detached();
                let _permit = pool.acquire(1, Duration::ZERO, span, Function::free("test")).await?;
                sleep(STEADY).await;
                Ok(())
            }
        })
        .await;
        assert_eq!(unsampled.stats().limit, 16, "no samples, no change");
    }
}
