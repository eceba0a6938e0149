//! Hedging a heavy-tailed backend: tail latency with and without hedging, and the extra
//! load it costs.
//!
//! The backend is simulated in process: 90 % of requests take 5-15 ms, 9 % take 20-60 ms,
//! and 1 % hit a 300-1000 ms stall (a GC pause, a lost packet). Each attempt draws its own
//! latency, as a request to another replica would. The run uses tokio's paused clock, so
//! 20,000 calls per policy finish in well under a second and the figures are reproducible.
//!
//! ```text
//! cargo run --example hedge
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use tokio::time::{Instant, sleep};

const CALLS: usize = 20_000;
const CONCURRENCY: usize = 64;

/// One request to the simulated backend, to a replica whose latency is drawn from `rng`.
async fn backend(rng: &RefCell<fastrand::Rng>) -> Result<u32, &'static str> {
    let latency = draw(&mut rng.borrow_mut());
    sleep(latency).await;
    Ok(200)
}

#[resile::hedge(max_requests = 1, name = "no hedging")]
async fn unhedged(rng: &RefCell<fastrand::Rng>) -> Result<u32, &'static str> {
    backend(rng).await
}

#[resile::hedge(delay = "60ms", name = "static delay 60 ms")]
async fn static_delay(rng: &RefCell<fastrand::Rng>) -> Result<u32, &'static str> {
    backend(rng).await
}

#[resile::hedge(percentile = 95.0, name = "adaptive p95")]
async fn adaptive(rng: &RefCell<fastrand::Rng>) -> Result<u32, &'static str> {
    backend(rng).await
}

#[resile::hedge(percentile = 95.0, max_requests = 3, name = "adaptive p95, 3 attempts")]
async fn adaptive_three(rng: &RefCell<fastrand::Rng>) -> Result<u32, &'static str> {
    backend(rng).await
}

#[resile::hedge(delay = "10ms", name = "static 10 ms (budget-bound)")]
async fn eager(rng: &RefCell<fastrand::Rng>) -> Result<u32, &'static str> {
    backend(rng).await
}

/// A latency drawn from the heavy-tailed distribution above.
fn draw(rng: &mut fastrand::Rng) -> Duration {
    let ms = match rng.u32(0..1000) {
        0..900 => rng.u64(5..=15),
        900..990 => rng.u64(20..=60),
        _ => rng.u64(300..=1000),
    };
    Duration::from_millis(ms)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs the workload through `call`, whose `#[hedge]` is named `name`, and prints a row.
async fn run<'r, F, Fut>(name: &str, hedged: bool, rng: &'r RefCell<fastrand::Rng>, call: F)
where
    F: Fn(&'r RefCell<fastrand::Rng>) -> Fut,
    Fut: Future<Output = Result<u32, &'static str>>,
{
    let call = &call;
    let mut latencies: Vec<Duration> = futures::stream::iter(0..CALLS)
        .map(|_| async move {
            let start = Instant::now();
            call(rng).await.unwrap();
            start.elapsed()
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    latencies.sort_unstable();
    let s = resile::hedge_tracker(name).stats();
    let attempts = (s.total_requests + s.hedged_requests) as f64 / s.total_requests as f64;
    println!(
        "{name:<28} p50 {:>4} ms  p99 {:>4} ms  p99.9 {:>4} ms  attempts/call {attempts:.3}  hedges won {:>4}  denied {:>5}  delay {}",
        percentile(&latencies, 50.0).as_millis(),
        percentile(&latencies, 99.0).as_millis(),
        percentile(&latencies, 99.9).as_millis(),
        s.hedge_won,
        s.hedges_denied,
        if hedged { format!("{:.1?}", s.current_delay) } else { "-".to_owned() },
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    rt.block_on(async {
        println!("{CALLS} calls, {CONCURRENCY} in flight, heavy-tailed backend (1 % stalls of 300-1000 ms)\n");
        let rng = |seed| RefCell::new(fastrand::Rng::with_seed(seed));
        run("no hedging", false, &rng(42), unhedged).await;
        run("static delay 60 ms", true, &rng(42), static_delay).await;
        run("adaptive p95", true, &rng(42), adaptive).await;
        run("adaptive p95, 3 attempts", true, &rng(42), adaptive_three).await;
        run("static 10 ms (budget-bound)", true, &rng(42), eager).await;
    });
}
