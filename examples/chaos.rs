//! Chaos in a stack: a service function behind a circuit breaker, a retry and a timeout,
//! with `#[chaos]` innermost injecting errors, hangs and latency, against the same function
//! with `#[chaos]` alone, at three levels of injected faults.
//!
//! ```sh
//! cargo run --release --example chaos
//! ```
//!
//! Everything runs on tokio's paused clock (`resile::sim`), seeded: the table is the same on
//! every run. The caller of the bare function gives up after 10 s (or its hung calls would
//! never end); the guarded one cuts a hang at its 100 ms timeout and retries it.

use std::cell::Cell;
use std::time::Duration;

use resile::Rejection;
use resile::sim::{Downstream, Fault, Latency, Report, Simulation};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One level of injected faults: the guarded function and the bare one, each with its own
/// named injector (so a run can read how many attempts went through it).
macro_rules! level {
    ($guarded:ident, $bare:ident, $g:literal, $b:literal, $e:tt, $h:tt) => {
        #[resile::circuit_breaker(name = $g, window_size = 50, minimum_calls = 20, open_timeout = "5s")]
        #[resile::retry(max = 3, base_delay = "20ms", jitter = "none")]
        #[resile::timeout("100ms")]
        #[resile::chaos(name = $g, error_rate = $e, hang_rate = $h, latency = "50ms", latency_rate = 0.1, seed = 7)]
        async fn $guarded(d: &Downstream) -> Result<(), Fault> {
            d.call().await
        }

        // Bare: nothing cuts a hang but the caller giving up (`GIVE_UP`), on purpose.
        #[resile::chaos(
            name = $b, error_rate = $e, hang_rate = $h, latency = "50ms", latency_rate = 0.1, seed = 7,
            allow = "chaos_hang_without_timeout"
        )]
        async fn $bare(d: &Downstream) -> Result<(), Fault> {
            d.call().await
        }
    };
}

level!(guarded_low, bare_low, "low-guarded", "low-bare", 0.01, 0.001);
level!(guarded_mid, bare_mid, "mid-guarded", "mid-bare", 0.05, 0.01);
level!(guarded_high, bare_high, "high-guarded", "high-bare", 0.2, 0.02);

/// The caller's own limit on a call to the bare function.
const GIVE_UP: Duration = Duration::from_secs(10);

/// Runs `call` over the workload; the report, and the attempts per call that went through
/// the injector `name`.
async fn run(sim: &Simulation, name: &str, call: impl AsyncFn(&Downstream) -> Result<(), Fault>) -> (Report, f64) {
    let attempts = Cell::new(0u64);
    let report = sim
        .run(async |d| {
            let result = call(d).await;
            attempts.set(resile::chaos(name).stats().calls);
            result
        })
        .await;
    let per_call = attempts.get() as f64 / report.calls.max(1) as f64;
    (report, per_call)
}

async fn bounded(call: impl Future<Output = Result<(), Fault>>) -> Result<(), Fault> {
    match tokio::time::timeout(GIVE_UP, call).await {
        Ok(result) => result,
        Err(_) => Err(Fault::Rejected(Rejection::TimedOut { after: GIVE_UP })),
    }
}

fn row(faults: &str, stack: &str, r: &Report, attempts: f64) {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "| {faults} | {stack} | {:.2} % | {} | {} | {} | {attempts:.3} |",
        r.success_rate * 100.0,
        ms(r.p50),
        ms(r.p99),
        ms(r.p999),
    );
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let downstream = Downstream::new().latency(Latency::log_normal(ms(20), 0.3));
    let sim = Simulation::new(downstream).arrival_rate(100.0).duration(Duration::from_secs(60)).seed(2026);
    let started = std::time::Instant::now();
    println!("## `#[chaos]` inside a stack, 60 virtual seconds at 100 calls/s (Poisson), seed 2026\n");
    println!("downstream: log-normal 20 ms (σ 0.3); injected: 50 ms latency on 10 % of the attempts, plus");
    println!("the errors and hangs below. guarded: `#[circuit_breaker] #[retry(max = 3, base_delay = \"20ms\")]");
    println!("#[timeout(\"100ms\")] #[chaos(..)]`; bare: `#[chaos(..)]` alone, its caller giving up after 10 s.\n");
    println!("| injected (errors, hangs) | stack | success | p50 | p99 | p99.9 | attempts per call |");
    println!("|---|---|---|---|---|---|---|");
    let levels: [(&str, &str, &str); 3] = [
        ("1 %, 0.1 %", "low-guarded", "low-bare"),
        ("5 %, 1 %", "mid-guarded", "mid-bare"),
        ("20 %, 2 %", "high-guarded", "high-bare"),
    ];
    for (i, (faults, g, b)) in levels.into_iter().enumerate() {
        let (guarded, ga) = match i {
            0 => run(&sim, g, async |d| guarded_low(d).await).await,
            1 => run(&sim, g, async |d| guarded_mid(d).await).await,
            _ => run(&sim, g, async |d| guarded_high(d).await).await,
        };
        let (bare, ba) = match i {
            0 => run(&sim, b, async |d| bounded(bare_low(d)).await).await,
            1 => run(&sim, b, async |d| bounded(bare_mid(d)).await).await,
            _ => run(&sim, b, async |d| bounded(bare_high(d)).await).await,
        };
        row(faults, "chaos alone", &bare, ba);
        row(faults, "breaker + retry + timeout", &guarded, ga);
    }
    println!("\n(six runs in {:.2} s of real time)", started.elapsed().as_secs_f64());
}
