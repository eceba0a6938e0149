//! Runs one call shape N times, for counting instructions per call with callgrind:
//!
//! ```text
//! cargo build --release -p resile-benches --example overhead_cb
//! ../shared/tools/instr-per-call.sh target/release/examples/overhead_cb resile {N}
//! ```
//!
//! Shapes: `raw`, `resile` (`CircuitBreaker::call`), `site` (the `#[circuit_breaker]`
//! expansion, an annotated fn), `open` (rejected by an open breaker), `recloser`,
//! `failsafe`.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use failsafe::CircuitBreaker as _;
use resile::Rejection;
use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};

fn now<F: Future>(f: F) -> F::Output {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!(),
    }
}

#[inline(never)]
fn op(x: u64) -> Result<u64, Rejection> {
    Ok(black_box(x))
}

/// What `#[circuit_breaker]` expands to (polled here with a no-op waker, outside a runtime).
#[resile::circuit_breaker(name = "overhead-site")]
async fn guarded(x: u64) -> Result<u64, Rejection> {
    op(x)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let shape = args.next().expect("usage: overhead_cb <shape> <N>");
    let n: u64 = args.next().and_then(|s| s.parse().ok()).expect("usage: overhead_cb <shape> <N>");
    let mut sum = 0u64;
    match shape.as_str() {
        "raw" => (0..n).for_each(|i| sum += now(async { op(i) }).unwrap_or(0)),
        "resile" => {
            let b = CircuitBreaker::new("overhead", CircuitBreakerConfig::new());
            (0..n).for_each(|i| sum += now(b.call(|| async { op(i) })).unwrap_or(0));
        }
        "site" => (0..n).for_each(|i| sum += now(guarded(i)).unwrap_or(0)),
        "open" => {
            let b = CircuitBreaker::new("overhead-open", CircuitBreakerConfig::new());
            b.force_open();
            (0..n).for_each(|i| sum += now(b.call(|| async { op(i) })).unwrap_or(0));
        }
        "recloser" => {
            let r = recloser::Recloser::default();
            (0..n).for_each(|i| sum += r.call(|| op(i)).unwrap_or(0));
        }
        "failsafe" => {
            let f = failsafe::Config::new().build();
            (0..n).for_each(|i| sum += f.call(|| op(i)).unwrap_or(0));
        }
        other => panic!("unknown shape `{other}`"),
    }
    black_box(sum);
}
