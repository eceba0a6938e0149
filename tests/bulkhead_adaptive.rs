//! `#[bulkhead(adaptive = ..)]` on tokio's paused clock: the limit follows the latency the
//! downstream shows and stays within `min_concurrent..=max_concurrent`; no call is admitted
//! above the limit in force, across clones of a call site and under cancellation; and,
//! against a model downstream that slows down past a capacity `C`, where the limit settles
//! (`convergence_*`, whose figures `benches/README.md` reports).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use resile::Rejection;
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

// C = 40 in the convergence runs: the adaptive bulkheads' ceiling is 4C, the fixed ones 2C
// and 4C.
const C: u32 = 40;
const BASE: Duration = Duration::from_millis(100);

#[resile::bulkhead(name = "adaptive-gradient2", max_concurrent = 160, adaptive = "gradient2")]
async fn gradient2(d: Arc<Downstream>) -> Result<Duration, Error> {
    Ok(d.serve().await)
}

#[resile::bulkhead(name = "adaptive-vegas", max_concurrent = 160, adaptive = "vegas")]
async fn vegas(d: Arc<Downstream>) -> Result<Duration, Error> {
    Ok(d.serve().await)
}

#[resile::bulkhead(name = "adaptive-aimd", max_concurrent = 160, adaptive = "aimd")]
async fn aimd(d: Arc<Downstream>) -> Result<Duration, Error> {
    Ok(d.serve().await)
}

#[resile::bulkhead(name = "fixed-2c", max_concurrent = 80)]
async fn fixed_2c(d: Arc<Downstream>) -> Result<Duration, Error> {
    Ok(d.serve().await)
}

#[resile::bulkhead(name = "fixed-4c", max_concurrent = 160)]
async fn fixed_4c(d: Arc<Downstream>) -> Result<Duration, Error> {
    Ok(d.serve().await)
}

/// What a run saw in its second half.
#[derive(Debug)]
struct Run {
    limits: (u32, u32, f64),
    p50: Duration,
    p99: Duration,
    admitted: usize,
    refused: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Calls `call` `per_tick` times every [`TICK`] for `length`, and reports the limit (sampled every 100 ms) and the latencies of the
/// admitted calls over the second half.
async fn drive<F, Fut>(name: &'static str, call: F, d: Arc<Downstream>, per_tick: u32, length: Duration) -> Run
where
    F: Fn(Arc<Downstream>) -> Fut,
    Fut: Future<Output = Result<Duration, Error>> + Send + 'static,
{
    let start = Instant::now();
    let half = start + length / 2;
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let refused = Arc::new(AtomicU32::new(0));
    let mut limits = Vec::new();
    let mut next_sample = start;
    let mut tasks = Vec::new();
    while start.elapsed() < length {
        for _ in 0..per_tick {
            let fut = call(d.clone());
            let (latencies, refused) = (latencies.clone(), refused.clone());
            let counted = Instant::now() >= half;
            tasks.push(tokio::spawn(async move {
                match fut.await {
                    Ok(latency) if counted => latencies.lock().unwrap().push(latency),
                    Ok(_) => {}
                    Err(_) if counted => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {}
                }
            }));
        }
        if Instant::now() >= next_sample {
            if Instant::now() >= half {
                limits.push(resile::bulkhead(name).stats().limit);
            }
            next_sample += Duration::from_millis(100);
        }
        sleep(TICK).await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    let mean = limits.iter().map(|&x| f64::from(x)).sum::<f64>() / limits.len() as f64;
    Run {
        limits: (*limits.iter().min().unwrap(), *limits.iter().max().unwrap(), mean),
        p50: percentile(&l, 0.50),
        p99: percentile(&l, 0.99),
        admitted: l.len(),
        refused: refused.load(Ordering::Relaxed) as usize,
    }
}

/// Arrivals at twice the capacity (C / BASE = 400 calls/s): 4 every 5 ms, for 120 s (the
/// algorithms see one sample a second).
const PER_TICK: u32 = 4;
const TICK: Duration = Duration::from_millis(5);
const LENGTH: Duration = Duration::from_secs(120);

fn report(what: &str, run: &Run) {
    let unloaded = BASE.as_secs_f64();
    println!(
        "{what}: limit min {} max {} mean {:.1} (C = {C}); p50 {:?} p99 {:?} ({:.2}× unloaded); admitted {} refused {}",
        run.limits.0,
        run.limits.1,
        run.limits.2,
        run.p50,
        run.p99,
        run.p99.as_secs_f64() / unloaded,
        run.admitted,
        run.refused
    );
}

fn settles_near_capacity(run: &Run) -> bool {
    let (lo, hi) = (f64::from(C) * 0.8, f64::from(C) * 1.2);
    f64::from(run.limits.0) >= lo && f64::from(run.limits.1) <= hi
}

#[tokio::test(start_paused = true)]
async fn convergence_gradient2() {
    let run = drive("adaptive-gradient2", gradient2, Downstream::new(BASE, C), PER_TICK, LENGTH).await;
    report("gradient2", &run);
    assert!(settles_near_capacity(&run), "{run:?}");
    assert!(run.p99 <= BASE * 2, "{run:?}");
}

#[tokio::test(start_paused = true)]
async fn convergence_vegas() {
    let run = drive("adaptive-vegas", vegas, Downstream::new(BASE, C), PER_TICK, LENGTH).await;
    report("vegas", &run);
    assert!(settles_near_capacity(&run), "{run:?}");
    assert!(run.p99 <= BASE * 2, "{run:?}");
}

#[tokio::test(start_paused = true)]
async fn convergence_aimd() {
    let run = drive("adaptive-aimd", aimd, Downstream::new(BASE, C), PER_TICK, LENGTH).await;
    report("aimd", &run);
    // Loss-based: a downstream that only slows down (below AIMD's 5 s timeout) never makes
    // it back off; it climbs by one a window (a second) towards the ceiling, and p99 with it.
    assert!(!settles_near_capacity(&run), "{run:?}");
    assert!(run.limits.1 >= 2 * C && run.p99 > BASE * 2, "{run:?}");
}

#[tokio::test(start_paused = true)]
async fn convergence_fixed() {
    let at_2c = drive("fixed-2c", fixed_2c, Downstream::new(BASE, C), PER_TICK, LENGTH).await;
    report("fixed 2C", &at_2c);
    let at_4c = drive("fixed-4c", fixed_4c, Downstream::new(BASE, C), PER_TICK, LENGTH).await;
    report("fixed 4C", &at_4c);
    // The queue in the downstream: p99 grows with the limit.
    assert_eq!((at_2c.p99, at_4c.p99), (BASE * 2, BASE * 4));
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
        if (start.elapsed().as_millis() % 100) == 0 {
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
