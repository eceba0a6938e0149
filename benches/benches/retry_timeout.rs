//! Success-path cost of `#[retry]`, `#[timeout]` and the two stacked, against a raw call and
//! against the same work through tower's `retry`/`timeout`, backon and bare
//! `tokio::time::timeout`, all in one run on one current-thread runtime.
//!
//! ```sh
//! cargo bench -p resile-benches --bench retry_timeout -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Results and callgrind instruction counts: `benches/README.md`.

use std::future::{Ready, ready};
use std::hint::black_box;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use criterion::{Criterion, criterion_group, criterion_main};
use resile::Rejection;
use tower::{Service, ServiceExt, service_fn};

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

const DEADLINE: Duration = Duration::from_millis(200);

async fn raw(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, backoff = "exp", base_delay = "50ms")]
async fn resile_retry(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::timeout("200ms")]
async fn resile_timeout(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, backoff = "exp", base_delay = "50ms")]
#[resile::timeout("200ms")]
async fn resile_retry_timeout(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// tower's retry with a policy that retries errors only (never an `Ok`), as `#[retry]` does.
#[derive(Clone, Copy)]
struct RetryErrors(u32);

impl<Req: Clone, Res, Err> tower::retry::Policy<Req, Res, Err> for RetryErrors {
    type Future = Ready<()>;
    fn retry(&mut self, _req: &mut Req, result: &mut Result<Res, Err>) -> Option<Self::Future> {
        match result {
            Ok(_) => None,
            Err(_) if self.0 > 1 => {
                self.0 -= 1;
                Some(ready(()))
            }
            Err(_) => None,
        }
    }
    fn clone_request(&mut self, req: &Req) -> Option<Req> {
        Some(req.clone())
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let mut g = c.benchmark_group("success_path");

    g.bench_function("raw", |b| b.to_async(&rt).iter(|| raw(black_box(7))));
    g.bench_function("resile_retry", |b| b.to_async(&rt).iter(|| resile_retry(black_box(7))));
    g.bench_function("resile_timeout", |b| b.to_async(&rt).iter(|| resile_timeout(black_box(7))));
    g.bench_function("resile_retry_timeout", |b| b.to_async(&rt).iter(|| resile_retry_timeout(black_box(7))));

    let tower_retry = tower::retry::Retry::new(RetryErrors(3), service_fn(raw));
    g.bench_function("tower_retry", |b| {
        b.to_async(&rt).iter(|| {
            let mut svc = tower_retry.clone();
            async move { svc.ready().await?.call(black_box(7)).await }
        })
    });
    g.bench_function("backon_retry", |b| {
        b.to_async(&rt).iter(|| (|| raw(black_box(7))).retry(ExponentialBuilder::default().with_max_times(2)))
    });
    g.bench_function("tokio_timeout", |b| {
        b.to_async(&rt).iter(|| async {
            match tokio::time::timeout(DEADLINE, raw(black_box(7))).await {
                Ok(r) => r,
                Err(_) => Err(E::Rejected(Rejection::TimedOut { after: DEADLINE })),
            }
        })
    });
    let tower_timeout = tower::timeout::Timeout::new(service_fn(raw), DEADLINE);
    g.bench_function("tower_timeout", |b| {
        b.to_async(&rt).iter(|| {
            let mut svc = tower_timeout.clone();
            async move { svc.ready().await?.call(black_box(7)).await }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
