//! Circuit breaker: the closed-state success path (1 thread, and 2 threads on one breaker)
//! and the rejection path, against a raw call and against failsafe, recloser and
//! tower-resilience's breaker, in one run.
//!
//! ```text
//! cargo bench -p resile-benches --bench circuit_breaker -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! Futures that are ready at once are polled once with a no-op waker, so the figures are
//! about the breaker, not an executor. failsafe and recloser are measured through their
//! synchronous `call` (their cheapest path); recloser also through `AsyncRecloser`.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Barrier;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use failsafe::CircuitBreaker as _;
use resile::Rejection;
use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
use tower::{Service, ServiceExt};

/// Polls a future that must be ready at once.
#[inline(always)]
fn now<F: Future>(f: F) -> F::Output {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the benchmarked future must be ready"),
    }
}

#[inline(never)]
fn op(x: u64) -> Result<u64, Rejection> {
    Ok(black_box(x))
}

/// What `#[circuit_breaker]` expands to, polled the same way as the other variants.
#[resile::circuit_breaker(name = "bench-site")]
async fn guarded(x: u64) -> Result<u64, Rejection> {
    op(x)
}

thread_local! {
    static CALLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Every 50th call on a thread fails: the window (100 calls) always holds failures, so
/// every call takes a position in it (the success path of a window full of successes
/// writes nothing).
#[inline(never)]
fn op_2pct(x: u64) -> Result<u64, Rejection> {
    let n = CALLS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if n.is_multiple_of(50) { Err(Rejection::TimedOut { after: Duration::ZERO }) } else { Ok(black_box(x)) }
}

fn failsafe_breaker() -> impl failsafe::CircuitBreaker + Sync {
    failsafe::Config::new().build()
}

fn recloser() -> recloser::Recloser {
    recloser::Recloser::custom().closed_len(100).error_rate(0.5).open_wait(Duration::from_secs(60)).build()
}

fn closed_one_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("cb_closed_success_1_thread");
    g.bench_function("raw", |b| b.iter(|| now(async { op(1) })));
    let breaker = CircuitBreaker::new("bench", CircuitBreakerConfig::new());
    g.bench_function("resile", |b| b.iter(|| now(breaker.call(|| async { op(1) }))));
    g.bench_function("resile_attribute", |b| b.iter(|| now(guarded(1))));
    let mixed = CircuitBreaker::new("bench-2pct", CircuitBreakerConfig::new().failure_rate_threshold(1.0));
    g.bench_function("resile_2pct_failures", |b| b.iter(|| now(mixed.call(|| async { op_2pct(1) }))));
    let slow =
        CircuitBreaker::new("bench-slow", CircuitBreakerConfig::new().slow_call_threshold(Duration::from_secs(1)));
    g.bench_function("resile_slow_threshold", |b| b.iter(|| now(slow.call(|| async { op(1) }))));
    let fs = failsafe_breaker();
    g.bench_function("failsafe", |b| b.iter(|| fs.call(|| op(1))));
    let rc = recloser();
    g.bench_function("recloser", |b| b.iter(|| rc.call(|| op(1))));
    let arc: recloser::AsyncRecloser = recloser().into();
    g.bench_function("recloser_async", |b| b.iter(|| now(arc.call(async { op(1) }))));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let layer = tower_resilience::circuitbreaker::CircuitBreakerLayer::builder().build().unwrap();
    let mut svc = tower::ServiceBuilder::new().layer(layer).service(tower::service_fn(|x: u64| async move { op(x) }));
    g.bench_function("tower_resilience", |b| {
        b.iter(|| rt.block_on(async { svc.ready().await.unwrap().call(1).await }))
    });
    g.finish();
}

/// Both threads call through the same breaker; reports the time per call on one thread.
fn per_call_2_threads(iters: u64, call: &(dyn Fn() -> bool + Sync)) -> Duration {
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let t = Instant::now();
                    for _ in 0..iters {
                        black_box(call());
                    }
                    t.elapsed()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).max().unwrap()
    })
}

fn closed_two_threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("cb_closed_success_2_threads");
    let raw = || black_box(now(async { op(1) })).is_ok();
    g.bench_function("raw", |b| b.iter_custom(|n| per_call_2_threads(n, &raw)));
    let breaker = CircuitBreaker::new("bench2", CircuitBreakerConfig::new());
    let resile = || black_box(now(breaker.call(|| async { op(1) }))).is_ok();
    g.bench_function("resile", |b| b.iter_custom(|n| per_call_2_threads(n, &resile)));
    let mixed = CircuitBreaker::new("bench2-2pct", CircuitBreakerConfig::new().failure_rate_threshold(1.0));
    let resile_2pct = || black_box(now(mixed.call(|| async { op_2pct(1) }))).is_ok();
    g.bench_function("resile_2pct_failures", |b| b.iter_custom(|n| per_call_2_threads(n, &resile_2pct)));
    let attribute = || black_box(now(guarded(1))).is_ok();
    g.bench_function("resile_attribute", |b| b.iter_custom(|n| per_call_2_threads(n, &attribute)));
    let fs = failsafe_breaker();
    let failsafe = || black_box(fs.call(|| op(1))).is_ok();
    g.bench_function("failsafe", |b| b.iter_custom(|n| per_call_2_threads(n, &failsafe)));
    let rc = recloser();
    let recloser = || black_box(rc.call(|| op(1))).is_ok();
    g.bench_function("recloser", |b| b.iter_custom(|n| per_call_2_threads(n, &recloser)));
    g.finish();
}

fn rejection(c: &mut Criterion) {
    let mut g = c.benchmark_group("cb_open_rejection");
    let breaker = CircuitBreaker::new("bench-open", CircuitBreakerConfig::new().minimum_calls(1));
    now(breaker.call(|| async { Err::<u64, _>(Rejection::TimedOut { after: Duration::ZERO }) })).unwrap_err();
    assert_eq!(breaker.state(), resile::State::Open);
    g.bench_function("resile_open", |b| b.iter(|| now(breaker.call(|| async { op(1) }))));
    let forced = CircuitBreaker::new("bench-forced", CircuitBreakerConfig::new());
    forced.force_open();
    g.bench_function("resile_forced_open", |b| b.iter(|| now(forced.call(|| async { op(1) }))));

    let fs = failsafe::Config::new()
        .failure_policy(failsafe::failure_policy::consecutive_failures(
            1,
            failsafe::backoff::constant(Duration::from_secs(3600)),
        ))
        .build();
    let _ = fs.call(|| Err::<u64, ()>(()));
    g.bench_function("failsafe", |b| b.iter(|| fs.call(|| op(1))));
    let rc = recloser::Recloser::custom().closed_len(1).open_wait(Duration::from_secs(3600)).build();
    for _ in 0..2 {
        let _ = rc.call(|| Err::<u64, ()>(()));
    }
    assert!(matches!(rc.call(|| op(1)), Err(recloser::Error::Rejected)));
    g.bench_function("recloser", |b| b.iter(|| rc.call(|| op(1))));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let layer = tower_resilience::circuitbreaker::CircuitBreakerLayer::builder()
        .minimum_number_of_calls(1)
        .sliding_window_size(1)
        .wait_duration_in_open(Duration::from_secs(3600))
        .build()
        .unwrap();
    let mut svc = tower::ServiceBuilder::new().layer(layer).service(tower::service_fn(|_: u64| async move {
        Err::<u64, _>(Rejection::TimedOut { after: Duration::ZERO })
    }));
    rt.block_on(async {
        for _ in 0..3 {
            let _ = svc.ready().await.unwrap().call(1).await;
        }
    });
    g.bench_function("tower_resilience", |b| {
        b.iter(|| rt.block_on(async { svc.ready().await.unwrap().call(1).await }))
    });
    g.finish();
}

criterion_group!(benches, closed_one_thread, closed_two_threads, rejection);
criterion_main!(benches);
