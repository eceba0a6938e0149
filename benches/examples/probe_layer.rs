//! Instructions per successful call of resile's tower layers against tower's own, counted by
//! callgrind (`benches/instr-per-call.sh`): one service built once, then `ready().await`
//! and `call(x).await` in a loop on a current-thread runtime, over a `service_fn` that
//! returns its argument.
//!
//! ```sh
//! cargo build --release -p resile-benches --example probe_layer
//! for mode in raw tower_timeout layer_timeout tower_concurrency layer_bulkhead tower_retry layer_retry layer_circuit_breaker; do
//!   echo "$mode $(benches/instr-per-call.sh target/release/examples/probe_layer $mode {N})"
//! done
//! ```
//!
//! Modes: `raw` (the `service_fn` alone), `tower_timeout` / `layer_timeout`
//! (`tower::timeout::Timeout` / `resile::layer::TimeoutLayer`, 200 ms),
//! `tower_concurrency` / `layer_bulkhead` (`tower::limit::ConcurrencyLimit` of 64 /
//! `resile::layer::BulkheadLayer` of 64), `tower_retry` / `layer_retry` (tower's `Retry`
//! with a policy that retries errors only / `resile::layer::RetryLayer`, 3 attempts),
//! `layer_circuit_breaker` (`resile::layer::CircuitBreakerLayer`, closed).

use std::future::{Ready, ready};
use std::hint::black_box;
use std::time::Duration;

use resile::layer::{BulkheadLayer, CircuitBreakerLayer, RetryLayer, TimeoutLayer};
use resile::{BulkheadPolicy, Rejection, RetryPolicy};
use tower::{Layer, Service, ServiceExt, service_fn};

#[derive(Debug)]
enum E {
    #[allow(dead_code)]
    Rejected(Rejection),
}

impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for E {}

impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}

async fn raw(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

struct RetryErrors(u32);

impl<Req: Clone, Res, Err> tower::retry::Policy<Req, Res, Err> for RetryErrors {
    type Future = Ready<()>;
    fn retry(&mut self, _req: &mut Req, result: &mut Result<Res, Err>) -> Option<Self::Future> {
        match result {
            Err(_) if self.0 > 1 => {
                self.0 -= 1;
                Some(ready(()))
            }
            _ => None,
        }
    }
    fn clone_request(&mut self, req: &Req) -> Option<Req> {
        Some(req.clone())
    }
}

impl Clone for RetryErrors {
    fn clone(&self) -> Self {
        RetryErrors(self.0)
    }
}

const DEADLINE: Duration = Duration::from_millis(200);

/// `n` calls through `svc`, each `ready().await` then `call(x).await`; the sum of the results.
async fn drive<S, Err>(n: u64, mut svc: S) -> u64
where
    S: Service<u64, Response = u64, Error = Err>,
    Err: std::fmt::Debug,
{
    let mut sum = 0u64;
    for i in 0..n {
        let x = svc.ready().await.unwrap().call(black_box(i)).await.unwrap();
        sum = sum.wrapping_add(x);
    }
    sum
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(n)) = (args.next(), args.next().and_then(|n| n.parse::<u64>().ok())) else {
        eprintln!("usage: probe_layer <mode> N");
        std::process::exit(2);
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime");
    let sum = rt.block_on(async {
        let inner = service_fn(raw);
        match mode.as_str() {
            "raw" => drive(n, inner).await,
            "tower_timeout" => drive(n, tower::timeout::Timeout::new(inner, DEADLINE)).await,
            "layer_timeout" => drive(n, TimeoutLayer::new(DEADLINE).layer(inner)).await,
            "tower_concurrency" => drive(n, tower::limit::ConcurrencyLimit::new(inner, 64)).await,
            "layer_bulkhead" => {
                drive(n, BulkheadLayer::new(BulkheadPolicy::named("probe-layer", 64)).layer(inner)).await
            }
            "tower_retry" => drive(n, tower::retry::Retry::new(RetryErrors(3), inner)).await,
            "layer_retry" => drive(n, RetryLayer::new(RetryPolicy::new().max(3)).layer(inner)).await,
            "layer_circuit_breaker" => drive(n, CircuitBreakerLayer::named("probe-layer").layer(inner)).await,
            other => {
                eprintln!("unknown mode `{other}`");
                std::process::exit(2);
            }
        }
    });
    println!("{sum}");
}
