//! A rate-limit decision on Redis (loopback) against the local limiter: latency per
//! decision (p50, p99) for one caller, then decisions per second and latency with 64
//! concurrent callers on a multi-thread runtime.
//!
//! ```text
//! redis-server --port 6379 --save '' --appendonly no &
//! cargo run --release -p resile-benches --features redis --example redis_rate
//! ```
//! (`REDIS_URL` to use another server.) Every decision is admitted (a rate far above what
//! is asked), so both sides measure the decision itself. Results: `benches/README.md`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use resile::rate_limit::{Decision, RateLimitConfig, RateLimiter};
use resile::redis::{Options, RedisBackend, RemoteDecision, RemoteRequest};

const CALLERS: usize = 64;
const SEQUENTIAL: usize = 20_000;
const CONCURRENT_FOR: Duration = Duration::from_secs(3);

/// A rate no caller reaches: on Redis a million per second (the script's finest interval is
/// one microsecond), locally 10^12 (64 callers take more than a million per second).
fn config(rate: f64) -> RateLimitConfig {
    RateLimitConfig::new(rate).burst_size(rate)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn report(what: &str, mut latencies: Vec<Duration>, elapsed: Duration) {
    latencies.sort_unstable();
    let n = latencies.len();
    println!(
        "{what:<34} {n:>9} decisions  {:>10.0}/s  p50 {:>9.2?}  p99 {:>9.2?}",
        n as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );
}

/// The two limiters measured.
#[derive(Clone)]
enum Side {
    Redis(RedisBackend, RemoteRequest),
    Local(Arc<RateLimiter>),
}

impl Side {
    async fn decide(&self) -> bool {
        match self {
            Side::Redis(backend, request) => matches!(backend.decide(*request).await, RemoteDecision::Admit { .. }),
            Side::Local(limiter) => matches!(limiter.try_acquire(1, Duration::ZERO), Decision::Admit),
        }
    }
}

/// One caller, `SEQUENTIAL` decisions, each timed.
async fn sequential(what: &str, side: &Side) {
    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    let started = Instant::now();
    for _ in 0..SEQUENTIAL {
        let t = Instant::now();
        assert!(side.decide().await);
        latencies.push(t.elapsed());
    }
    report(what, latencies, started.elapsed());
}

/// `CALLERS` tasks deciding as fast as they can for `CONCURRENT_FOR`, each decision timed.
async fn concurrent(what: &str, side: &Side) {
    let started = Instant::now();
    let end = started + CONCURRENT_FOR;
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let side = side.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < end {
                    let t = Instant::now();
                    assert!(side.decide().await);
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    report(what, latencies, started.elapsed());
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let options = Options::default().key_prefix("bench").timeout(Duration::from_secs(1));
        let backend = RedisBackend::connect(&url, options)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to Redis at {url}: {e} (start a redis-server first)"));
        let redis = Side::Redis(backend, RemoteRequest::new("bench", config(1e6)));
        let local = Side::Local(Arc::new(RateLimiter::new("bench", config(1e12))));
        println!("{} worker threads, {CALLERS} concurrent callers", std::thread::available_parallelism().unwrap());
        sequential("redis, one caller", &redis).await;
        sequential("local, one caller", &local).await;
        concurrent("redis, 64 callers", &redis).await;
        concurrent("local, 64 callers", &local).await;
    });
}
