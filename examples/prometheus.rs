//! A small service under every policy, its metrics served for Prometheus on
//! `http://127.0.0.1:9898/metrics` (or the address in `RESILE_METRICS_ADDR`) by
//! `metrics-exporter-prometheus`, with a plain tokio listener (no web framework).
//!
//! ```sh
//! cargo run --example prometheus --features metrics
//! curl -s http://127.0.0.1:9898/metrics | grep '^resile_'
//! ```
//!
//! `dashboards/resile.json` is a Grafana dashboard for these metrics. The workload runs in
//! rounds of a second and exercises every metric resile records: retries (and exhausted ones),
//! a breaker that opens and closes again, hedges that fire and win, a bulkhead that fills
//! up, a rate limiter that runs out of tokens, timeouts, and the settings of each instance.
//! (`resile_keys_evicted_total` is described but stays empty: it counts keyed instances,
//! which this service has none of.)
//! `RESILE_ROUNDS=n` stops after `n` rounds (default: run until stopped).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use resile::Rejection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug)]
#[allow(dead_code)] // Read by `Debug` only.
enum ApiError {
    Unavailable,
    Rejected(Rejection),
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError::Rejected(r)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unavailable => f.write_str("downstream unavailable"),
            ApiError::Rejected(r) => write!(f, "{r}"),
        }
    }
}

static TICK: AtomicU64 = AtomicU64::new(0);

/// Fails one call in three: retried, and now and then exhausted.
#[resile::retry(max = 2, base_delay = "5ms")]
async fn flaky_lookup(id: u64) -> Result<u64, ApiError> {
    if TICK.fetch_add(1, Ordering::Relaxed).is_multiple_of(3) { Err(ApiError::Unavailable) } else { Ok(id) }
}

/// A downstream that is down for the first half of each 20-second period: the breaker
/// opens, rejects, half-opens and closes.
#[resile::circuit_breaker(name = "payments", window_size = 10, minimum_calls = 5, open_timeout = "2s")]
async fn charge(amount: u64) -> Result<u64, ApiError> {
    static START: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
    let second = START.get_or_init(tokio::time::Instant::now).elapsed().as_secs();
    if second % 20 < 10 && amount.is_multiple_of(2) { Err(ApiError::Unavailable) } else { Ok(amount) }
}

/// A slow first attempt now and then: the hedge fires after 20 ms and often wins.
#[resile::hedge(name = "search", delay = "20ms", max_requests = 2)]
async fn search(query: u64) -> Result<u64, ApiError> {
    static ATTEMPTS: AtomicU64 = AtomicU64::new(0);
    // About one attempt in four is slow.
    let slow = query.is_multiple_of(4) && ATTEMPTS.fetch_add(1, Ordering::Relaxed).is_multiple_of(2);
    tokio::time::sleep(Duration::from_millis(if slow { 200 } else { 5 })).await;
    Ok(query)
}

/// At most 4 at a time, waiting up to 20 ms for a permit: some calls wait, some give up.
#[resile::bulkhead(name = "reports", max_concurrent = 4, max_wait = "20ms")]
async fn report(n: u64) -> Result<u64, ApiError> {
    tokio::time::sleep(Duration::from_millis(if n.is_multiple_of(3) { 40 } else { 5 })).await;
    Ok(n)
}

/// 20 calls a second with bursts of 5.
#[resile::rate_limit(name = "partner_api", rate = 20.0, burst_size = 5.0)]
async fn partner(n: u64) -> Result<u64, ApiError> {
    Ok(n)
}

/// Times out one call in five.
#[resile::timeout("30ms")]
async fn render(n: u64) -> Result<u64, ApiError> {
    tokio::time::sleep(Duration::from_millis(if n.is_multiple_of(5) { 100 } else { 1 })).await;
    Ok(n)
}

/// One round: a burst of calls to every function.
async fn round(n: u64) {
    let mut calls = Vec::new();
    for i in 0..12 {
        let id = n * 100 + i;
        calls.push(async move {
            let _ = tokio::join!(flaky_lookup(id), charge(id), search(id), report(id), partner(id), render(id));
        });
    }
    futures::future::join_all(calls).await;
}

/// Serves `GET /metrics` (any path, in fact) with `handle`'s text, one connection at a time.
async fn serve(listener: tokio::net::TcpListener, handle: PrometheusHandle) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else { continue };
        let handle = handle.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 4096];
            if socket.read(&mut request).await.is_err() {
                return;
            }
            let body = handle.render();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        });
    }
}

#[tokio::main]
async fn main() {
    // Buckets make the durations Prometheus histograms (for `histogram_quantile` in the
    // dashboard) rather than summaries.
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix("_seconds".into()),
            &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0],
        )
        .expect("buckets are not empty")
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).expect("the only recorder");

    let addr = std::env::var("RESILE_METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9898".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("the metrics address is free");
    println!("metrics on http://{}/metrics", listener.local_addr().expect("bound"));
    tokio::spawn(serve(listener, handle.clone()));

    let rounds: Option<u64> = std::env::var("RESILE_ROUNDS").ok().and_then(|n| n.parse().ok());
    let mut n = 0;
    while rounds.is_none_or(|r| n < r) {
        round(n).await;
        // A metrics series appears when first recorded; keep the exporter's upkeep going.
        handle.run_upkeep();
        n += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let text = handle.render();
    let names: std::collections::BTreeSet<&str> =
        text.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()).collect();
    println!("after {n} rounds: {}", names.into_iter().collect::<Vec<_>>().join(" "));
}
