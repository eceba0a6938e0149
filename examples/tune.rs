//! Tuning a policy stack by simulation: a realistic downstream with a latency tail and a
//! one-minute outage, four configurations side by side, and the ResilienceBench grid.
//!
//! ```sh
//! cargo run --release --example tune            # the tables, and target/tune/*.svg
//! cargo run --release --example tune -- --day   # also: how long a simulated day takes
//! ```
//!
//! Everything runs on tokio's paused clock from one seed: the output is the same on every
//! machine and every run, and ten virtual minutes take well under a second.

use std::time::Duration;

use resile::sim::{self, Arrival, Downstream, Fault, Incident, Latency, Report, Simulation, compare};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

// The four configurations. Each has its own instance names (each run is isolated anyway).

/// Retry only: three attempts, exponential backoff from 50 ms with full jitter.
#[resile::retry(max = 3, base_delay = "50ms", max_delay = "1s")]
async fn retry_only(d: &Downstream) -> Result<(), Fault> {
    d.call().await
}

/// The breaker outside the retry (so it counts calls, not attempts, and a retry never
/// hammers an open breaker); it opens at 50 % failures over the last 50 calls.
#[resile::circuit_breaker(name = "orders", window_size = 50, minimum_calls = 20, open_timeout = "5s")]
#[resile::retry(max = 3, base_delay = "50ms", max_delay = "1s")]
async fn retry_breaker(d: &Downstream) -> Result<(), Fault> {
    d.call().await
}

/// As above, plus a hedge: a second attempt when the first has not answered in 100 ms
/// (about the downstream's p97), within the default hedge budget (about 10 % more calls).
#[resile::circuit_breaker(name = "orders", window_size = 50, minimum_calls = 20, open_timeout = "5s")]
#[resile::retry(max = 3, base_delay = "50ms", max_delay = "1s")]
#[resile::hedge(name = "orders", delay = "100ms")]
async fn retry_breaker_hedge(d: &Downstream) -> Result<(), Fault> {
    d.call().await
}

/// The service: log-normal latency around 25 ms (p99 ≈ 80 ms), a 1 % tail of 0.4–2 s
/// (a GC pause, a cold cache), 1 % errors, error bursts of 30 % for 2 s every minute,
/// an outage of one minute from 4:00, and a capacity of 60 calls in progress.
fn service() -> Downstream {
    Downstream::new()
        .latency(Latency::log_normal(ms(25), 0.5).with_tail(0.01, Latency::uniform(ms(400), ms(2000))))
        .error_rate(0.01)
        .incident(Incident::periodic_bursts(s(60), s(2), 0.3))
        .outage(s(240)..s(300))
        .capacity(60)
}

async fn four_configurations() {
    let sim = Simulation::new(service()).arrival_rate(100.0).duration(s(600)).seed(2026);
    let started = std::time::Instant::now();
    let bare = sim.run(async |d| d.call().await).await;
    let retry = sim.run(async |d| retry_only(d).await).await;
    let breaker = sim.run(async |d| retry_breaker(d).await).await;
    let hedge = sim.run(async |d| retry_breaker_hedge(d).await).await;
    let took = started.elapsed();
    let reports: [(&str, &Report); 4] =
        [("bare", &bare), ("retry", &retry), ("retry + breaker", &breaker), ("retry + breaker + hedge", &hedge)];

    println!("## Four configurations, 10 virtual minutes at 100 calls/s (Poisson), seed 2026\n");
    println!("downstream: log-normal 25 ms (σ 0.5) with a 1 % tail of 0.4-2 s, 1 % errors,");
    println!("30 % error bursts for 2 s every minute, an outage from 4:00 to 5:00, capacity 60.\n");
    println!("{}", compare(&reports));
    println!(
        "{} calls in {:.2} s of real time ({:.0} calls/s).\n",
        reports.iter().map(|(_, r)| r.calls).sum::<u64>(),
        took.as_secs_f64(),
        reports.iter().map(|(_, r)| r.calls).sum::<u64>() as f64 / took.as_secs_f64()
    );

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tune");
    std::fs::create_dir_all(&dir).expect("create target/tune");
    std::fs::write(dir.join("cdf.svg"), sim::svg::cdf(&reports)).expect("write cdf.svg");
    std::fs::write(dir.join("load.svg"), sim::svg::load(&reports)).expect("write load.svg");
    println!("wrote {0}/cdf.svg and {0}/load.svg\n", dir.display());
}

// The ResilienceBench grid (ppgia-unifor/resilience-bench, SBES 2023 retry study):
// abort faults (HTTP 503) at 25, 50 and 75 %, 50, 100 and 150 concurrent clients each
// calling back to back; retry as their resilience4j grid's middle (maxAttempts 6,
// exponential backoff from 60 ms, multiplier 1.6, no jitter), and their resilience4j
// circuit breaker (count window of 2, failure rate 100 %, minimum 2 calls, one half-open
// probe, open for 100 ms).

#[resile::retry(max = 6, base_delay = "60ms", multiplier = 1.6, jitter = "none")]
async fn rb_retry(d: &Downstream) -> Result<(), Fault> {
    d.call().await
}

#[resile::circuit_breaker(
    name = "rb",
    window_size = 2,
    failure_rate_threshold = 1.0,
    minimum_calls = 2,
    permitted_calls_in_half_open = 1,
    open_timeout = "100ms"
)]
async fn rb_breaker(d: &Downstream) -> Result<(), Fault> {
    d.call().await
}

async fn resilience_bench_grid() {
    println!("## The ResilienceBench grid: failure rate × clients, 10 virtual seconds per cell\n");
    println!("target: log-normal 5 ms (σ 0.3), capacity 100 calls in progress; clients call back to back.");
    println!("amplification = downstream requests / client calls (their totalRequests / totalCalls).\n");
    println!(
        "| failure | clients | baseline success | retry success | retry amplification (expected) | retry p50 | breaker success | breaker amplification |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for failure in [0.25, 0.5, 0.75] {
        for clients in [50, 100, 150] {
            let target = Downstream::new().latency(Latency::log_normal(ms(5), 0.3)).error_rate(failure).capacity(100);
            let sim =
                Simulation::new(target).arrival(Arrival::clients(clients, Duration::ZERO)).duration(s(10)).seed(7);
            let base = sim.run(async |d| d.call().await).await;
            let retry = sim.run(async |d| rb_retry(d).await).await;
            let cb = sim.run(async |d| rb_breaker(d).await).await;
            let expected = (1.0 - f64::powi(failure, 6)) / (1.0 - failure);
            println!(
                "| {:.0} % | {clients} | {:.1} % | {:.1} % | {:.3} ({expected:.3}) | {:.1} ms | {:.1} % | {:.3} |",
                failure * 100.0,
                base.success_rate * 100.0,
                retry.success_rate * 100.0,
                retry.attempts_per_call,
                retry.p50.as_secs_f64() * 1e3,
                cb.success_rate * 100.0,
                cb.attempts_per_call,
            );
        }
    }
    println!();
    println!("Refused calls count as calls (as unsuccessful calls do in ResilienceBench), and a client");
    println!("whose call is refused at once calls again 1 ms later: while the breaker is open, its");
    println!("clients' calls are mostly refusals, so its success rate per call is low and its");
    println!("amplification below 1 (the downstream sees a fraction of the calls).\n");
}

/// A simulated day at 100 calls/s through retry + breaker, timed.
async fn one_day() {
    let sim =
        Simulation::new(service()).arrival(Arrival::constant(100.0)).duration(s(86_400)).seed(1).load_buckets(1440);
    let started = std::time::Instant::now();
    let day = sim.run(async |d| retry_breaker(d).await).await;
    let took = started.elapsed();
    println!("## A simulated day\n");
    println!("{}", compare(&[("retry + breaker, one day", &day)]));
    println!(
        "{} calls ({} downstream) in {:.1} s of real time: {:.2} M calls/s.",
        day.calls,
        day.downstream_calls,
        took.as_secs_f64(),
        day.calls as f64 / took.as_secs_f64() / 1e6
    );
}

fn main() {
    // A current-thread runtime with the clock paused and only the timer driver: with no I/O
    // driver, each jump of the paused clock is a function call, not an `epoll_wait`.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        four_configurations().await;
        resilience_bench_grid().await;
        if std::env::args().any(|a| a == "--day") {
            one_day().await;
        }
    });
}
