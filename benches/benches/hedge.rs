//! The success path of a hedged call when no hedge fires, next to the same call raw, under a
//! bare `tokio::time::timeout`, and under `tower::hedge`, in one run.
//!
//! Two shapes of "the same call":
//! - `ready`: the attempt completes on its first poll (an in-memory cache hit);
//! - `yield`: the attempt is pending once (`yield_now`), as any real I/O is, so every policy
//!   that arms a timer has to register it with tokio's timer wheel.
//!
//! Run with `cargo bench -p resile-benches --bench hedge -- --warm-up-time 1 --measurement-time 2`;
//! figures are in `benches/README.md`.

use std::convert::Infallible;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use resile::hedge::{Hedge, HedgeConfig};
use tower::{Service, ServiceExt, service_fn};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    Ready,
    Yield,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Ready => "ready",
            Shape::Yield => "yield",
        }
    }
}

/// The guarded call: returns its input, after one `yield_now` for `Shape::Yield`.
async fn backend(shape: Shape, x: u64) -> Result<u64, Infallible> {
    if shape == Shape::Yield {
        tokio::task::yield_now().await;
    }
    Ok(black_box(x))
}

#[derive(Clone)]
struct AlwaysHedge;

impl tower::hedge::Policy<u64> for AlwaysHedge {
    fn clone_request(&self, req: &u64) -> Option<u64> {
        Some(*req)
    }
    fn can_retry(&self, _: &u64) -> bool {
        true
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut group = c.benchmark_group("hedge_success_no_hedge_fired");
    let static_hedge: Hedge<Infallible> = Hedge::new(HedgeConfig::new().delay(Duration::from_millis(100)));
    let adaptive_hedge: Hedge<Infallible> =
        Hedge::new(HedgeConfig::new().percentile(95.0).min_delay(Duration::from_millis(100)));
    let single: Hedge<Infallible> = Hedge::new(HedgeConfig::new().max_requests(1));

    for shape in [Shape::Ready, Shape::Yield] {
        group.bench_function(BenchmarkId::new("raw", shape.name()), |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let start = Instant::now();
                for i in 0..iters {
                    black_box(backend(shape, i).await.unwrap());
                }
                start.elapsed()
            })
        });
        group.bench_function(BenchmarkId::new("tokio_timeout", shape.name()), |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let start = Instant::now();
                for i in 0..iters {
                    black_box(tokio::time::timeout(Duration::from_secs(1), backend(shape, i)).await.unwrap().unwrap());
                }
                start.elapsed()
            })
        });
        for (name, hedge) in [
            ("resile_hedge", &static_hedge),
            ("resile_hedge_adaptive_p95", &adaptive_hedge),
            ("resile_hedge_max1", &single),
        ] {
            group.bench_function(BenchmarkId::new(name, shape.name()), |b| {
                b.to_async(&rt).iter_custom(|iters| async move {
                    let start = Instant::now();
                    for i in 0..iters {
                        black_box(hedge.call(|| backend(shape, i)).await.unwrap());
                    }
                    start.elapsed()
                })
            });
        }
        group.bench_function(BenchmarkId::new("tower_hedge", shape.name()), |b| {
            b.to_async(&rt).iter_custom(|iters| {
                // A p90 of 100 ms from mock latencies, so no hedge fires. Built outside
                // the timed loop.
                let mut svc = tower::hedge::Hedge::new_with_mock_latencies(
                    service_fn(move |x: u64| backend(shape, x)),
                    AlwaysHedge,
                    10,
                    0.9,
                    Duration::from_secs(30),
                    &[100; 100],
                );
                async move {
                    let start = Instant::now();
                    for i in 0..iters {
                        black_box(svc.ready().await.unwrap().call(i).await.unwrap());
                    }
                    start.elapsed()
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
