//! The README's main example: one flaky downstream, the same workload run bare and under
//! `#[resile::retry] #[resile::timeout]`, with a table of what the caller sees.
//!
//! The downstream is in-process and simulated on tokio's paused clock, so the run takes well
//! under a second of real time and its output is the same on every machine:
//!
//! * latency: lognormal around 9 ms (most calls 5–20 ms), plus a 2 % tail of 300–1500 ms;
//! * errors: 1 % at baseline, and a burst of 40 % failures for 250 ms out of every second.
//!
//! ```sh
//! cargo run --release --example main
//! ```

use std::cell::{Cell, RefCell};
use std::time::Duration;

use futures::StreamExt;
use resile::Rejection;
use tokio::time::Instant;

const CALLS: usize = 2_000;
const CONCURRENCY: usize = 8;

#[derive(Debug)]
enum ApiError {
    /// The downstream answered with an error (a 503, a reset connection).
    Unavailable,
    /// A resile policy cut the call (here: the per-attempt timeout).
    Rejected(Rejection),
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError::Rejected(r)
    }
}

/// The simulated service: seeded, so every run sees the same latencies and failures.
struct Downstream {
    rng: RefCell<fastrand::Rng>,
    calls: Cell<u64>,
    /// Requests dropped before they answered (cut by a timeout).
    cut: Cell<u64>,
    epoch: Instant,
}

/// Counts a request as cut unless it is disarmed when the answer arrives.
struct InFlight<'a>(&'a Cell<u64>, bool);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.set(self.0.get() + 1);
        }
    }
}

impl Downstream {
    fn new(seed: u64) -> Self {
        Downstream {
            rng: RefCell::new(fastrand::Rng::with_seed(seed)),
            calls: Cell::new(0),
            cut: Cell::new(0),
            epoch: Instant::now(),
        }
    }

    /// One request: waits its latency, then answers.
    async fn get(&self, id: u64) -> Result<u64, ApiError> {
        self.calls.set(self.calls.get() + 1);
        let in_burst = self.epoch.elapsed().as_millis() % 1000 >= 750;
        let (latency, fails) = {
            let mut rng = self.rng.borrow_mut();
            let latency = if rng.f64() < 0.02 {
                Duration::from_millis(rng.u64(300..=1500))
            } else {
                // lognormal: median 9 ms, sigma 0.35 (Box–Muller)
                let z = (-2.0 * (1.0 - rng.f64()).ln()).sqrt() * (std::f64::consts::TAU * rng.f64()).cos();
                Duration::from_secs_f64((9.0 * (0.35 * z).exp()).max(2.0) / 1000.0)
            };
            (latency, rng.f64() < if in_burst { 0.40 } else { 0.01 })
        };
        let mut in_flight = InFlight(&self.cut, true);
        tokio::time::sleep(latency).await;
        in_flight.1 = false;
        if fails { Err(ApiError::Unavailable) } else { Ok(id) }
    }
}

/// The bare call.
async fn fetch_bare(api: &Downstream, id: u64) -> Result<u64, ApiError> {
    api.get(id).await
}

/// The same call, retried with backoff, each attempt bounded by a timeout.
#[resile::retry(max = 3, backoff = "exp", base_delay = "20ms", jitter = "full")]
#[resile::timeout("100ms")]
async fn fetch_guarded(api: &Downstream, id: u64) -> Result<u64, ApiError> {
    api.get(id).await
}

struct Report {
    ok: usize,
    /// Calls that failed because a policy cut them (the caller saw `Rejection::TimedOut`).
    rejected: usize,
    latencies: Vec<Duration>,
    downstream_calls: u64,
    cut: u64,
    wall: Duration,
}

/// Runs the workload: `CALLS` calls, `CONCURRENCY` at a time, each started as soon as a
/// slot frees up.
async fn run(call: impl AsyncFn(&Downstream, u64) -> Result<u64, ApiError>) -> Report {
    let api = Downstream::new(0x5eed);
    let (api, call) = (&api, &call);
    let start = Instant::now();
    let results: Vec<(Result<u64, ApiError>, Duration)> = futures::stream::iter(0..CALLS as u64)
        .map(|id| async move {
            let t = Instant::now();
            let r = call(api, id).await;
            (r, t.elapsed())
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    latencies.sort_unstable();
    Report {
        ok: results.iter().filter(|(r, _)| r.is_ok()).count(),
        rejected: results
            .iter()
            .filter(|(r, _)| matches!(r, Err(ApiError::Rejected(Rejection::TimedOut { .. }))))
            .count(),
        latencies,
        downstream_calls: api.calls.get(),
        cut: api.cut.get(),
        wall: start.elapsed(),
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn row(name: &str, r: &Report) {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "| {name:<31} | {:>7.2} % | {:>9} | {:>9} | {:>9} | {:>10} | {:>12} | {:>7.2} s |",
        100.0 * r.ok as f64 / CALLS as f64,
        ms(pct(&r.latencies, 0.50)),
        ms(pct(&r.latencies, 0.99)),
        ms(*r.latencies.last().unwrap()),
        r.downstream_calls,
        r.cut,
        r.wall.as_secs_f64(),
    );
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    // resile's jitter draws from the thread's fastrand generator: seed it for stable output
    fastrand::seed(42);
    let bare = run(async |api, id| fetch_bare(api, id).await).await;
    let guarded = run(async |api, id| fetch_guarded(api, id).await).await;

    println!("{CALLS} calls, {CONCURRENCY} concurrent, against a downstream with a 2 % latency tail (300-1500 ms)");
    println!("and error bursts (40 % failures for 250 ms of every second); virtual time, seeded.\n");
    println!(
        "| {:<31} | {:>9} | {:>9} | {:>9} | {:>9} | {:>10} | {:>12} | {:>9} |",
        "variant", "success", "p50", "p99", "max", "downstream", "cut at 100ms", "total"
    );
    println!("|{:-<33}|{:->11}|{:->11}|{:->11}|{:->11}|{:->12}|{:->14}|{:->11}|", "", "", "", "", "", "", "", "");
    row("bare", &bare);
    row("retry(max = 3) + timeout(100ms)", &guarded);
    println!(
        "\nretries cost {:.1} % more downstream calls and turn {} failures into {} ({} of them timeouts).",
        100.0 * (guarded.downstream_calls as f64 / bare.downstream_calls as f64 - 1.0),
        CALLS - bare.ok,
        CALLS - guarded.ok,
        guarded.rejected,
    );
    assert_eq!(bare.rejected, 0);
}
