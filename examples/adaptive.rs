//! The adaptive bulkhead's convergence, on the simulator: against a downstream whose latency
//! rises past a capacity `C`, where each algorithm's limit settles, and what p99 the callers
//! see, beside fixed bulkheads at 2C and 4C.
//!
//! ```sh
//! cargo run --release --example adaptive   # the table, and target/adaptive/limit.svg
//! ```
//!
//! The plot is committed twice, as `benches/adaptive-limit.svg` (shown in
//! `benches/README.md`) and `runtime/src/bulkhead/adaptive/limit.svg` (in the docs of
//! `resile::bulkhead::adaptive`): copy it to both after a change.
//!
//! The downstream takes 100 ms while at most `C` = 40 calls are in it, and `100 ms × n / C`
//! for a call that enters with `n > C` in progress (itself included): its capacity is
//! `C / 100 ms` = 400 calls/s. Calls arrive at twice that, 800/s at constant intervals, for
//! 120 virtual seconds, seed 18, through a `Bulkhead` with `max_wait` 0 (what does not fit
//! is refused at once). The figures are those of the second half: the limit in force
//! (sampled every 100 ms) and the latencies of the admitted calls. The unloaded p99 is the
//! same downstream's at 100 calls/s. `tests/bulkhead_adaptive.rs` (`convergence_*`) runs
//! the same workload and asserts the goal: the limit within 20 % of `C`, p99 at most twice
//! the unloaded p99.
//!
//! Everything runs on tokio's paused clock from one seed: the output is the same on every
//! machine and every run.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use resile::bulkhead::{AdaptiveAlgorithm, Bulkhead, BulkheadConfig};
use resile::sim::{self, Arrival, Downstream, Latency, Simulation};
use tokio::time::Instant;

const C: u32 = 40;
const BASE: Duration = Duration::from_millis(100);
const RATE: f64 = 800.0;
const LENGTH: Duration = Duration::from_secs(120);
const SEED: u64 = 18;

fn workload(rate: f64) -> Simulation {
    Simulation::new(Downstream::new().latency(Latency::fixed(BASE)).capacity(C))
        .arrival(Arrival::constant(rate))
        .duration(LENGTH)
        .seed(SEED)
}

/// What to sample every 100 ms.
#[derive(Clone, Copy)]
enum Watch {
    /// The limit in force.
    Limit,
    /// The calls holding permits.
    InFlight,
}

struct Run {
    /// `(seconds, value)` over the whole run.
    samples: Vec<(f64, f64)>,
    /// The limit over the second half: min, max, mean.
    limits: (u32, u32, f64),
    p50: Duration,
    p99: Duration,
    admitted: usize,
    refused: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn converge(rate: f64, config: BulkheadConfig, watch: Watch) -> Run {
    let bulkhead = Bulkhead::new("converge", config);
    let start = Instant::now();
    let half = LENGTH / 2;
    let latencies = RefCell::new(Vec::new());
    let refused = Cell::new(0);
    let limits = RefCell::new(Vec::new());
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
            || {
                let stats = bulkhead.stats();
                let at = start.elapsed();
                if at >= half && at < LENGTH {
                    limits.borrow_mut().push(stats.limit);
                }
                f64::from(match watch {
                    Watch::Limit => stats.limit,
                    Watch::InFlight => stats.in_use,
                })
            },
        )
        .await;
    let limits = limits.into_inner();
    let mut l = latencies.into_inner();
    l.sort();
    Run {
        samples: report.samples().iter().map(|&(at, v)| (at.as_secs_f64(), v)).collect(),
        limits: (
            limits.iter().copied().min().unwrap_or(0),
            limits.iter().copied().max().unwrap_or(0),
            limits.iter().map(|&x| f64::from(x)).sum::<f64>() / limits.len().max(1) as f64,
        ),
        p50: percentile(&l, 0.50),
        p99: percentile(&l, 0.99),
        admitted: l.len(),
        refused: refused.get(),
    }
}

fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms.fract() == 0.0 { format!("{ms:.0} ms") } else { format!("{ms:.1} ms") }
}

async fn convergence() {
    let adaptive = |a| BulkheadConfig::new(4 * C).adaptive(a);
    let unloaded = converge(100.0, BulkheadConfig::new(4 * C), Watch::Limit).await.p99;
    let runs = [
        (
            "gradient2",
            "`adaptive = \"gradient2\", max_concurrent = 160`",
            true,
            adaptive(AdaptiveAlgorithm::Gradient2),
            Watch::Limit,
        ),
        (
            "vegas",
            "`adaptive = \"vegas\", max_concurrent = 160`",
            true,
            adaptive(AdaptiveAlgorithm::Vegas),
            Watch::Limit,
        ),
        ("aimd", "`adaptive = \"aimd\", max_concurrent = 160`", true, adaptive(AdaptiveAlgorithm::Aimd), Watch::Limit),
        ("fixed 2C", "fixed, `max_concurrent = 80` (2C)", false, BulkheadConfig::new(2 * C), Watch::InFlight),
        ("fixed 4C", "fixed, `max_concurrent = 160` (4C)", false, BulkheadConfig::new(4 * C), Watch::InFlight),
    ];
    println!(
        "## Adaptive bulkhead convergence: C = {C}, base {}, {RATE} calls/s for {LENGTH:?}, seed {SEED}\n",
        millis(BASE)
    );
    println!("unloaded p99 (100 calls/s): {}\n", millis(unloaded));
    println!(
        "| bulkhead | limit over the second half (min, max, mean) | p50 | p99 | p99 / unloaded | admitted / refused | goal |"
    );
    println!("|---|---|---:|---:|---:|---|---|");
    let mut lines = Vec::new();
    for (name, label, is_adaptive, config, watch) in runs {
        let run = converge(RATE, config, watch).await;
        let ratio = run.p99.as_secs_f64() / unloaded.as_secs_f64();
        let (lo, hi) = (f64::from(C) * 0.8, f64::from(C) * 1.2);
        let met = f64::from(run.limits.0) >= lo && f64::from(run.limits.1) <= hi && ratio <= 2.0;
        let goal = match (is_adaptive, met) {
            (false, _) => "",
            (true, true) => "**met**",
            (true, false) => "not met",
        };
        let limits = if !is_adaptive {
            format!("{}", run.limits.0)
        } else {
            format!("{}, {}, {:.1}", run.limits.0, run.limits.1, run.limits.2)
        };
        println!(
            "| {label} | {limits} | {} | {} | {ratio:.2}× | {} / {} | {goal} |",
            millis(run.p50),
            millis(run.p99),
            run.admitted,
            run.refused
        );
        match watch {
            Watch::Limit => lines.push((format!("{name}: limit"), run.samples)),
            // 4C's in-flight is off the scale of the others; the table has it.
            Watch::InFlight if name == "fixed 2C" => lines.push((format!("{name}: calls in flight"), run.samples)),
            Watch::InFlight => {}
        }
    }
    let capacity: Vec<(f64, f64)> = vec![(0.0, f64::from(C)), (LENGTH.as_secs_f64(), f64::from(C))];
    lines.push((format!("capacity C = {C}"), capacity));
    let borrowed: Vec<(&str, &[(f64, f64)])> = lines.iter().map(|(n, p)| (n.as_str(), p.as_slice())).collect();
    let svg = sim::svg::series(
        "the limit over time (C = 40, base 100 ms, 800 calls/s, seed 18)",
        "calls (limit, or in flight)",
        &borrowed,
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/adaptive");
    std::fs::create_dir_all(&dir).expect("create target/adaptive");
    std::fs::write(dir.join("limit.svg"), svg).expect("write limit.svg");
    println!("\nwrote {}/limit.svg\n", dir.display());
}

/// AIMD's one latency signal is its 5 s timeout: against a downstream of 1 s whose
/// capacity is 20, it backs off where the latency passes 5 s, about 100 calls in it.
async fn aimd_timeout() {
    let sim = Simulation::new(Downstream::new().latency(Latency::fixed(Duration::from_secs(1))).capacity(20))
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
    let half: Vec<f64> =
        report.samples().iter().filter(|(at, _)| (200..400).contains(&at.as_secs())).map(|&(_, l)| l).collect();
    let (lo, hi) = half.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &l| (lo.min(l), hi.max(l)));
    println!("## AIMD and its timeout: downstream 1 s, capacity 20, 40 calls/s for 400 s, seed {SEED}\n");
    println!(
        "limit over the second half: {lo:.0}..={hi:.0} (backs off where the latency passes 5 s: 100 calls); p99 {}\n",
        millis(report.p99)
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        convergence().await;
        aimd_timeout().await;
    });
}
