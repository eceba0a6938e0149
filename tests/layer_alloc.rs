//! The warm success path of the tower layers allocates nothing, as tower's own
//! `ConcurrencyLimit`, `Timeout` and `Retry` (`resile::layer`'s Cost section): each layer, and
//! a stack of them, around a `service_fn`, counted by a `#[global_allocator]` that only counts
//! on the measuring thread. One service, built before the count starts; each request is
//! `ready().await` then `call(x).await`. No tracing subscriber, no observer.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use resile::layer::{BulkheadLayer, CircuitBreakerLayer, RateLimitLayer, RetryLayer, TimeoutLayer};
use resile::{BulkheadPolicy, RateLimitPolicy, Rejection, RetryPolicy};
use tower::{Layer, Service, ServiceBuilder, ServiceExt, service_fn};

struct Counting;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the allocator may run while thread-locals are being torn down
    let _ = MEASURING.try_with(|m| {
        if m.get() {
            let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        }
    });
}

// SAFETY: defers every operation to `System`; counting has no effect on the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Debug, PartialEq)]
enum E {
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

const N: u64 = 1000;

/// Sends N requests through `service` on a current-thread runtime with time enabled, after
/// a warm-up, and returns the allocations made on this thread during the measured requests.
fn measure<S: Service<u64, Response = u64, Error = E>>(make: impl FnOnce() -> S) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        let mut service = make();
        for i in 0..16 {
            assert_eq!(service.ready().await.unwrap().call(i).await, Ok(i));
        }
        ALLOCATIONS.with(|a| a.set(0));
        MEASURING.with(|m| m.set(true));
        let mut sum = 0;
        for i in 0..N {
            sum += service.ready().await.unwrap().call(i).await.unwrap();
        }
        MEASURING.with(|m| m.set(false));
        assert_eq!(sum, N * (N - 1) / 2);
        ALLOCATIONS.with(Cell::get)
    })
}

#[test]
fn the_counter_counts() {
    let boxed = || service_fn(|x: u64| async move { Ok::<_, E>(*black_box(Box::new(x))) });
    assert_eq!(measure(boxed), N);
}

#[test]
fn the_timeout_layer_allocates_nothing() {
    assert_eq!(measure(|| TimeoutLayer::new(Duration::from_millis(200)).layer(service_fn(raw))), 0);
}

#[test]
fn the_circuit_breaker_layer_allocates_nothing() {
    assert_eq!(measure(|| CircuitBreakerLayer::named("layer-alloc-db").layer(service_fn(raw))), 0);
}

#[test]
fn the_bulkhead_layer_allocates_nothing() {
    const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-alloc-pool", 4);
    assert_eq!(measure(|| BulkheadLayer::new(POOL).layer(service_fn(raw))), 0);
}

#[test]
fn the_rate_limit_layer_allocates_nothing() {
    const API: RateLimitPolicy = RateLimitPolicy::named("layer-alloc-api", 1e12);
    assert_eq!(measure(|| RateLimitLayer::new(API).layer(service_fn(raw))), 0);
}

#[test]
fn the_retry_layer_allocates_nothing() {
    const RETRY: RetryPolicy = RetryPolicy::new().max(3);
    assert_eq!(measure(|| RetryLayer::new(RETRY).layer(service_fn(raw))), 0);
}

#[test]
fn a_stack_of_layers_allocates_nothing() {
    const RETRY: RetryPolicy = RetryPolicy::new().max(3);
    const POOL: BulkheadPolicy = BulkheadPolicy::named("layer-alloc-stack-pool", 4);
    const API: RateLimitPolicy = RateLimitPolicy::named("layer-alloc-stack-api", 1e12);
    let stack = || {
        ServiceBuilder::new()
            .layer(RetryLayer::new(RETRY))
            .layer(CircuitBreakerLayer::named("layer-alloc-stack-db"))
            .layer(BulkheadLayer::new(POOL))
            .layer(RateLimitLayer::new(API))
            .layer(TimeoutLayer::new(Duration::from_millis(200)))
            .service(service_fn(raw))
    };
    assert_eq!(measure(stack), 0);
}
