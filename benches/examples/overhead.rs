//! Success-path overhead, for `instr-per-call.sh` (callgrind instructions per call):
//!
//! ```sh
//! cargo build --release -p resile-benches --example overhead
//! ../shared/tools/instr-per-call.sh target/release/examples/overhead raw {N}
//! ../shared/tools/instr-per-call.sh target/release/examples/overhead retry {N}
//! ```
//!
//! `overhead <raw|retry|timeout|tokio_timeout|retry_timeout> N` awaits N calls of the same
//! trivial `async fn`, bare or guarded, inside one current-thread runtime built once, so the
//! difference of two modes is the policy's cost per call. Three more modes split a guarded
//! call into its parts: `span_only` (the `resile` span alone), `retry_loop_only` (the retry
//! loop without the span) and `timeout_only` (the timeout without the span).

use std::hint::black_box;
use std::time::Duration;

use resile::Rejection;

#[derive(Debug)]
enum E {
    #[allow(dead_code)]
    Rejected(Rejection),
}

impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}

async fn raw(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, backoff = "exp", base_delay = "50ms")]
async fn retried(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::timeout("200ms")]
async fn timed(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

async fn tokio_timed(x: u64) -> Result<u64, E> {
    match tokio::time::timeout(Duration::from_millis(200), raw(x)).await {
        Ok(r) => r,
        Err(_) => Err(E::Rejected(Rejection::TimedOut { after: Duration::from_millis(200) })),
    }
}

#[resile::retry(max = 3, backoff = "exp", base_delay = "50ms")]
#[resile::timeout("200ms")]
async fn retried_timed(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

// ---- decomposition of the guarded calls (doc-hidden `__private` API, as the expansion uses it)

use resile::__private as rt;

/// Only the `resile` span the expansion wraps every guarded call in (disabled: no subscriber).
async fn span_only(x: u64) -> Result<u64, E> {
    rt::CallSpan::new("overhead::span_only").instrument(raw(x)).await
}

static SITE: rt::RetrySite = rt::RetrySite::new("overhead::retry_loop_only", rt::RetryConfig::new(), None);

/// Only the retry loop, as `#[retry]` expands it, without the span.
async fn retry_loop_only(x: u64) -> Result<u64, E> {
    let mut run = SITE.start(&rt::RetryHooks::<E>::NONE);
    loop {
        let result = raw(x).await;
        match run.next(result, None) {
            rt::ControlFlow::Break(result) => break result,
            rt::ControlFlow::Continue(delay) => rt::sleep(delay).await,
        }
    }
}

/// Only the timeout, as `#[timeout]` expands it, without the span.
async fn timeout_only(x: u64) -> Result<u64, E> {
    rt::timeout("overhead::timeout_only", DEADLINE, E::from, raw(x)).await
}

const DEADLINE: Duration = Duration::from_millis(200);

async fn drive<F: Future<Output = Result<u64, E>>>(n: u64, call: impl Fn(u64) -> F) -> u64 {
    let mut sum = 0u64;
    for i in 0..n {
        sum = sum.wrapping_add(call(black_box(i)).await.unwrap());
    }
    sum
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(n)) = (args.next(), args.next().and_then(|n| n.parse::<u64>().ok())) else {
        eprintln!(
            "usage: overhead <raw|retry|timeout|tokio_timeout|retry_timeout|span_only|retry_loop_only|timeout_only> N"
        );
        std::process::exit(2);
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let sum = rt.block_on(async {
        match mode.as_str() {
            "raw" => drive(n, raw).await,
            "retry" => drive(n, retried).await,
            "timeout" => drive(n, timed).await,
            "tokio_timeout" => drive(n, tokio_timed).await,
            "retry_timeout" => drive(n, retried_timed).await,
            "span_only" => drive(n, span_only).await,
            "retry_loop_only" => drive(n, retry_loop_only).await,
            "timeout_only" => drive(n, timeout_only).await,
            other => {
                eprintln!("unknown mode `{other}`");
                std::process::exit(2);
            }
        }
    });
    assert_eq!(sum, n.wrapping_mul(n.wrapping_sub(1)) / 2);
    black_box(sum);
}
