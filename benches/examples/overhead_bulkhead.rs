//! The bulkhead's success path, N times, for counting instructions per call with callgrind,
//! beside a bare tokio `Semaphore::try_acquire` + drop measured the same way:
//!
//! ```text
//! cargo build --release -p resile-benches --example overhead_bulkhead
//! benches/instr-per-call.sh target/release/examples/overhead_bulkhead site {N}
//! ```
//!
//! Shapes, each an `#[inline(never)]` trivial `async fn` awaited in a loop on a
//! current-thread runtime: `raw` (the bare call), `semaphore` (`try_acquire` on a `static`
//! tokio `Semaphore`, the call, drop), `site` (`BulkheadSite::call`, as the `#[bulkhead]`
//! expansion will be), `value` (the plain `Bulkhead::call`).

use std::hint::black_box;

use resile::__private::{BulkheadConfig, BulkheadSite, CallSpan};
use resile::Rejection;
use resile::bulkhead::Bulkhead;
use tokio::sync::Semaphore;

#[inline(never)]
async fn raw(x: u64) -> Result<u64, Rejection> {
    Ok(black_box(x))
}

static SEMAPHORE: Semaphore = Semaphore::const_new(10);
static SITE: BulkheadSite = BulkheadSite::new("overhead::site", "overhead-site", BulkheadConfig::new(10));

#[inline(never)]
async fn semaphore(x: u64) -> Result<u64, Rejection> {
    let _permit = match SEMAPHORE.try_acquire() {
        Ok(p) => p,
        Err(_) => return Err(Rejection::BulkheadFull { name: "semaphore" }),
    };
    raw(x).await
}

#[inline(never)]
async fn site(x: u64) -> Result<u64, Rejection> {
    SITE.call(CallSpan::detached(), resile::__private::Free, |r| r, || raw(x)).await
}

fn main() {
    let mut args = std::env::args().skip(1);
    let shape = args.next().expect("usage: overhead_bulkhead <shape> <N>");
    let n: u64 = args.next().and_then(|s| s.parse().ok()).expect("usage: overhead_bulkhead <shape> <N>");
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let value = Bulkhead::new("overhead-value", BulkheadConfig::new(10));
    let sum = rt.block_on(async {
        let mut sum = 0u64;
        match shape.as_str() {
            "raw" => {
                for i in 0..n {
                    sum += raw(i).await.unwrap_or(0);
                }
            }
            "semaphore" => {
                for i in 0..n {
                    sum += semaphore(i).await.unwrap_or(0);
                }
            }
            "site" => {
                for i in 0..n {
                    sum += site(i).await.unwrap_or(0);
                }
            }
            "value" => {
                for i in 0..n {
                    sum += value.call(|| raw(i)).await.unwrap_or(0);
                }
            }
            other => panic!("unknown shape `{other}`"),
        }
        sum
    });
    black_box(sum);
}
