//! Runs one rate-limited call shape N times on a current-thread tokio runtime, for counting
//! instructions per call with callgrind:
//!
//! ```text
//! cargo build --release -p resile-benches --example overhead_rl
//! benches/instr-per-call.sh target/release/examples/overhead_rl site {N}
//! ```
//!
//! Shapes: `raw` (the bare call), `site` (a `RateLimitSite` in a `static`, as the future
//! `#[rate_limit]` expansion keeps it), `value` (`RateLimiter::call`), `refused` (the site,
//! every call refused), `governor` (`governor::RateLimiter::direct(..).check()` with its
//! default clock, then the call), `governor_refused`. Every admitted shape has a rate that
//! never refuses, so each call takes the admitted path.

use std::hint::black_box;
use std::num::NonZeroU32;

use governor::{Quota, RateLimiter as Governor};
use resile::Rejection;
use resile::rate_limit::{RateLimitConfig, RateLimitSite, RateLimiter};

#[inline(never)]
async fn raw(x: u64) -> Result<u64, Rejection> {
    Ok(black_box(x))
}

static SITE: RateLimitSite =
    RateLimitSite::new("overhead_rl::site", "overhead-rl", RateLimitConfig::new(RateLimitConfig::MAX_RATE));
static REFUSED: RateLimitSite =
    RateLimitSite::new("overhead_rl::refused", "overhead-rl-refused", RateLimitConfig::new(1e-6).burst_size(1.0));

#[inline(never)]
async fn run(shape: &str, n: u64) -> u64 {
    let mut sum = 0u64;
    match shape {
        "raw" => {
            for i in 0..n {
                sum += raw(i).await.unwrap_or(0);
            }
        }
        "site" => {
            for i in 0..n {
                sum += SITE
                    .call(resile::__private::CallSpan::detached(), resile::__private::Free, |r| r, || raw(i))
                    .await
                    .unwrap_or(0);
            }
        }
        "value" => {
            let l = RateLimiter::new("overhead-rl-value", RateLimitConfig::new(RateLimitConfig::MAX_RATE));
            for i in 0..n {
                sum += l.call(|| raw(i)).await.unwrap_or(0);
            }
        }
        "refused" => {
            let _ =
                REFUSED.call(resile::__private::CallSpan::detached(), resile::__private::Free, |r| r, || raw(0)).await;
            for i in 0..n {
                sum += REFUSED
                    .call(resile::__private::CallSpan::detached(), resile::__private::Free, |r| r, || raw(i))
                    .await
                    .unwrap_or(1);
            }
        }
        "governor" => {
            let g = Governor::direct(
                Quota::with_period(std::time::Duration::from_nanos(1)).expect("non-zero").allow_burst(NonZeroU32::MAX),
            );
            for i in 0..n {
                if g.check().is_ok() {
                    sum += raw(i).await.unwrap_or(0);
                }
            }
        }
        "governor_refused" => {
            let g = Governor::direct(Quota::per_hour(NonZeroU32::MIN));
            let _ = g.check();
            for i in 0..n {
                match g.check() {
                    Ok(()) => sum += raw(i).await.unwrap_or(0),
                    Err(_) => sum += 1,
                }
            }
        }
        other => panic!("unknown shape `{other}`"),
    }
    sum
}

fn main() {
    let mut args = std::env::args().skip(1);
    let shape = args.next().expect("usage: overhead_rl <shape> <N>");
    let n: u64 = args.next().and_then(|s| s.parse().ok()).expect("usage: overhead_rl <shape> <N>");
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    black_box(rt.block_on(run(&shape, n)));
}
