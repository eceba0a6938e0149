//! The warm success path allocates nothing (SPEC §8): `#[retry]`, `#[timeout]` and the two
//! stacked, counted by a `#[global_allocator]` that only counts on the measuring thread. No
//! tracing subscriber is installed, so the `resile` span is disabled, and no observer is set.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

use resile::Rejection;

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

/// Allocations made on this thread while running `f`.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (R, u64) {
    ALLOCATIONS.with(|a| a.set(0));
    MEASURING.with(|m| m.set(true));
    let r = f();
    MEASURING.with(|m| m.set(false));
    (r, ALLOCATIONS.with(Cell::get))
}

#[derive(Debug, PartialEq)]
enum E {
    Rejected(Rejection),
}
impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Rejected(r)
    }
}

impl From<resile::chaos::ChaosError> for E {
    fn from(_: resile::chaos::ChaosError) -> Self {
        unreachable!("the measured chaos site injects latency only")
    }
}

/// Half of the calls are slowed (a timer), the others pass: both paths are measured.
#[resile::chaos(name = "alloc-chaos", latency = "1ms", latency_rate = 0.5, seed = 3)]
async fn chaotic(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// Every call's numbers drawn, nothing injected.
#[resile::chaos(name = "alloc-chaos-alone", error_rate = 0.0, seed = 3)]
async fn left_alone(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
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

#[resile::retry(max = 3, backoff = "exp", base_delay = "50ms")]
#[resile::timeout("200ms")]
async fn stacked(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::timeout("1s")]
#[resile::retry(max = 3, backoff = "exp", base_delay = "50ms")]
async fn stacked_reversed(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, budget = "1s", retry_budget = "alloc-test")]
async fn retried_with_budgets(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// A body that really waits, so the timer entry is registered and fired, not just created.
#[resile::retry(max = 3)]
#[resile::timeout("200ms")]
async fn stacked_pending_once(x: u64) -> Result<u64, E> {
    tokio::task::yield_now().await;
    Ok(black_box(x))
}

#[resile::circuit_breaker(name = "alloc-breaker")]
async fn guarded(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, allow = "retry_into_open_breaker")]
#[resile::circuit_breaker(name = "alloc-stack")]
#[resile::timeout("1s")]
async fn three_stacked(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::hedge(delay = "1s")]
async fn hedged(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::hedge(delay = "1s")]
async fn hedged_pending_once(x: u64) -> Result<u64, E> {
    tokio::task::yield_now().await;
    Ok(black_box(x))
}

#[resile::circuit_breaker(name = "alloc-forced-open")]
async fn refused(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::bulkhead(name = "alloc-bulkhead", max_concurrent = 4)]
async fn bulkheaded(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::bulkhead(name = "alloc-bulkhead-wait", max_concurrent = 4, max_wait = "10ms", weight = 2)]
async fn bulkheaded_may_wait(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::rate_limit(name = "alloc-rate-limit", rate = 1e12)]
async fn rate_limited(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::rate_limit(name = "alloc-rate-limit-wait", rate = 1e12, max_wait = "10ms")]
async fn rate_limited_may_wait(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::rate_limit(name = "alloc-rate-limit-refused", rate = 1e-6, burst_size = 1)]
async fn rate_limit_refused(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::bulkhead(name = "alloc-bulkhead-full", max_concurrent = 1)]
async fn bulkhead_refused(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::retry(max = 3, backoff = "exp", base_delay = "50ms", retry_if = never)]
#[resile::circuit_breaker(name = "alloc-admission-stack")]
#[resile::bulkhead(name = "alloc-admission-stack", max_concurrent = 8)]
#[resile::rate_limit(name = "alloc-admission-stack", rate = 1e12)]
async fn admission_stack(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

#[resile::circuit_breaker(name = "alloc-keyed-breaker", key = x % 16)]
async fn keyed_breaker(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

const TENANTS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

#[resile::circuit_breaker(name = "alloc-keyed-breaker-str", key = TENANTS[(x % 4) as usize])]
#[resile::bulkhead(name = "alloc-keyed-bulkhead", max_concurrent = 4, key = TENANTS[(x % 4) as usize])]
#[resile::rate_limit(name = "alloc-keyed-rate-limit", rate = 1e12, key = x % 16)]
async fn keyed_stack(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

fn never(_: &E) -> bool {
    false
}

const ALLOC_BREAKER: resile::CircuitBreakerPolicy = resile::CircuitBreakerPolicy::named("alloc-policy").window_size(50);
const ALLOC_POOL: resile::BulkheadPolicy = resile::BulkheadPolicy::named("alloc-policy", 8);
const ALLOC_LIMIT: resile::RateLimitPolicy = resile::RateLimitPolicy::named("alloc-policy", 1e12);
const ALLOC_HEDGE: resile::HedgePolicy = resile::HedgePolicy::new().delay(std::time::Duration::from_secs(1));

#[resile::retry(policy = resile::presets::PRODUCTION, retry_if = never)]
#[resile::circuit_breaker(policy = ALLOC_BREAKER)]
#[resile::bulkhead(policy = ALLOC_POOL)]
#[resile::rate_limit(policy = ALLOC_LIMIT)]
#[resile::hedge(policy = ALLOC_HEDGE)]
async fn by_policies(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

const N: u64 = 1000;

/// Runs `call` N times on a current-thread runtime with time enabled, after a warm-up, and
/// returns the allocations made on this thread during the measured calls (the runtime's own
/// work between polls included).
fn measure<F: Future<Output = Result<u64, E>>>(call: impl Fn(u64) -> F) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        for i in 0..16 {
            assert_eq!(call(i).await, Ok(i));
        }
        ALLOCATIONS.with(|a| a.set(0));
        MEASURING.with(|m| m.set(true));
        let mut sum = 0;
        for i in 0..N {
            sum += call(i).await.unwrap();
        }
        MEASURING.with(|m| m.set(false));
        assert_eq!(sum, N * (N - 1) / 2);
        ALLOCATIONS.with(Cell::get)
    })
}

#[test]
fn the_counter_counts() {
    let (v, allocs) = allocations_in(|| black_box(vec![1u8; 16]));
    assert_eq!((v.len(), allocs), (16, 1));
    assert_eq!(
        measure(|x| async move {
            black_box(Box::new(x));
            Ok(x)
        }),
        N
    );
}

#[test]
fn policies_by_path_allocate_nothing() {
    assert_eq!(measure(by_policies), 0);
}

#[test]
fn a_call_the_injector_leaves_alone_allocates_nothing() {
    assert_eq!(measure(left_alone), 0);
    assert_eq!(resile::chaos("alloc-chaos-alone").stats().calls, 16 + N);
}

/// An injected latency boxes its timer (so that it does not make every call's future
/// larger): one allocation per delayed call, none for the others.
#[test]
fn an_injected_latency_allocates_its_timer_only() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let (allocations, delayed) = rt.block_on(async {
        for i in 0..16 {
            assert_eq!(chaotic(i).await, Ok(i));
        }
        let before = resile::chaos("alloc-chaos").stats().latencies;
        ALLOCATIONS.with(|a| a.set(0));
        MEASURING.with(|m| m.set(true));
        for i in 0..N {
            assert_eq!(chaotic(i).await, Ok(i));
        }
        MEASURING.with(|m| m.set(false));
        (ALLOCATIONS.with(Cell::get), resile::chaos("alloc-chaos").stats().latencies - before)
    });
    assert!(delayed > N / 4 && delayed < N * 3 / 4, "about half delayed: {delayed} of {N}");
    assert_eq!(allocations, delayed);
}

#[test]
fn raw_call_allocates_nothing() {
    assert_eq!(measure(raw), 0);
}

#[test]
fn retry_success_path_allocates_nothing() {
    assert_eq!(measure(retried), 0);
}

#[test]
fn timeout_success_path_allocates_nothing() {
    assert_eq!(measure(timed), 0);
}

#[test]
fn stacked_success_path_allocates_nothing() {
    assert_eq!(measure(stacked), 0);
    assert_eq!(measure(stacked_reversed), 0);
}

#[test]
fn retry_with_wall_clock_and_retry_budget_allocates_nothing() {
    assert_eq!(measure(retried_with_budgets), 0);
    assert_eq!(resile::retry_budget("alloc-test").stats().deposits, 16 + N);
}

#[test]
fn a_timed_call_that_waits_once_allocates_nothing() {
    assert_eq!(measure(stacked_pending_once), 0);
}

#[test]
fn circuit_breaker_success_path_allocates_nothing() {
    assert_eq!(measure(guarded), 0);
}

#[test]
fn three_stacked_attributes_allocate_nothing() {
    assert_eq!(measure(three_stacked), 0);
}

#[test]
fn hedge_without_a_hedge_allocates_nothing() {
    assert_eq!(measure(hedged), 0);
    assert_eq!(measure(hedged_pending_once), 0);
}

#[test]
fn a_refused_call_allocates_nothing() {
    resile::circuit_breaker("alloc-forced-open").force_open();
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let allocations = rt.block_on(async {
        assert!(refused(0).await.is_err());
        ALLOCATIONS.with(|a| a.set(0));
        MEASURING.with(|m| m.set(true));
        for i in 0..N {
            assert!(matches!(refused(i).await, Err(E::Rejected(Rejection::CircuitOpen { .. }))));
        }
        MEASURING.with(|m| m.set(false));
        ALLOCATIONS.with(Cell::get)
    });
    assert_eq!(allocations, 0);
}

/// A keyed call on a key that exists (the warm-up made them) allocates nothing: a `&str`
/// key is looked up as a `str`, copied into a `String` only when new.
#[test]
fn keyed_calls_on_existing_keys_allocate_nothing() {
    assert_eq!(measure(keyed_breaker), 0);
    assert_eq!(measure(keyed_stack), 0);
    assert_eq!(resile::circuit_breaker("alloc-keyed-breaker").keys(), 16);
    assert_eq!(resile::circuit_breaker("alloc-keyed-breaker-str").keys(), 4);
}

#[test]
fn bulkhead_admitted_path_allocates_nothing() {
    assert_eq!(measure(bulkheaded), 0);
    assert_eq!(measure(bulkheaded_may_wait), 0);
    assert_eq!(resile::bulkhead("alloc-bulkhead").stats().in_use, 0);
}

#[test]
fn rate_limit_admitted_path_allocates_nothing() {
    assert_eq!(measure(rate_limited), 0);
    assert_eq!(measure(rate_limited_may_wait), 0);
}

#[test]
fn admission_stack_allocates_nothing() {
    assert_eq!(measure(admission_stack), 0);
}

/// A refusal with no `max_wait` is synchronous: no future, no allocation.
#[test]
fn refused_bulkhead_and_rate_limit_calls_allocate_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let allocations = rt.block_on(async {
        let full = resile::Bulkhead::named("alloc-bulkhead-full", resile::BulkheadConfig::new(1));
        let _held = full.try_acquire(1).unwrap();
        assert!(rate_limit_refused(0).await.is_ok());
        assert!(rate_limit_refused(0).await.is_err());
        assert!(bulkhead_refused(0).await.is_err());
        ALLOCATIONS.with(|a| a.set(0));
        MEASURING.with(|m| m.set(true));
        for i in 0..N {
            assert!(matches!(rate_limit_refused(i).await, Err(E::Rejected(Rejection::RateLimited { .. }))));
            assert!(matches!(bulkhead_refused(i).await, Err(E::Rejected(Rejection::BulkheadFull { .. }))));
        }
        MEASURING.with(|m| m.set(false));
        ALLOCATIONS.with(Cell::get)
    });
    assert_eq!(allocations, 0);
}

/// A retry (not the success path) allocates exactly one thing: its boxed backoff timer,
/// kept out of the call's future so that the success path moves a smaller future.
#[test]
fn a_retry_allocates_only_its_backoff_timer() {
    #[resile::retry(max = 2, backoff = "constant", base_delay = "0ms", jitter = "none")]
    async fn second_time_lucky(x: u64, calls: &AtomicU32) -> Result<u64, E> {
        if calls.fetch_add(1, SeqCst).is_multiple_of(2) {
            Err(E::Rejected(Rejection::TimedOut { after: Default::default() }))
        } else {
            Ok(x)
        }
    }
    static CALLS: AtomicU32 = AtomicU32::new(0);
    assert_eq!(measure(|x| second_time_lucky(x, &CALLS)), N);
    assert_eq!(CALLS.load(SeqCst) as u64, 2 * (16 + N));
}

/// While a `resile::timeline::capture` runs in another task (here: on another thread), every
/// guarded call looks for a capture in its own task, finds none, and still allocates nothing.
#[test]
fn a_capture_in_another_task_does_not_make_these_calls_allocate() {
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let capturing = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(resile::timeline::capture(async move {
            started_tx.send(()).unwrap();
            // Blocks this runtime's only thread: the capture stays live until told to stop.
            stop_rx.recv().unwrap();
        }))
    });
    started_rx.recv().unwrap();
    let allocations =
        [measure(retried), measure(stacked), measure(three_stacked), measure(hedged), measure(hedged_pending_once)];
    stop_tx.send(()).unwrap();
    let ((), timeline) = capturing.join().unwrap();
    assert_eq!(allocations, [0; 5]);
    assert!(timeline.is_empty(), "the other task's calls are not the capture's: {timeline}");
}

struct Repo<T>(std::marker::PhantomData<T>);

impl<T> Repo<T> {
    #[resile::timeout("1s")]
    async fn get(&self, x: u64) -> Result<u64, E> {
        Ok(black_box(x))
    }
}

trait Load {
    #[resile::timeout("1s")]
    async fn load(&self, x: u64) -> Result<u64, E> {
        Ok(black_box(x))
    }
}

struct Orders;
struct Users;
impl Load for Orders {}
impl Load for Users {}

/// Every instantiation of a generic impl shares its expansion's `static` meter, and so do
/// the implementors of a trait's default method: calls that alternate between two of them
/// find their handles (one `function` label for `Repo<u8>` and `Repo<u16>`, one each for
/// `Orders` and `Users`) and register nothing again.
#[test]
fn a_generic_method_called_for_two_types_in_turn_allocates_nothing() {
    let (bytes, words) = (&Repo::<u8>(std::marker::PhantomData), &Repo::<u16>(std::marker::PhantomData));
    assert_eq!(measure(|x| async move { if x % 2 == 0 { bytes.get(x).await } else { words.get(x).await } }), 0);
    assert_eq!(measure(|x| async move { if x % 2 == 0 { Orders.load(x).await } else { Users.load(x).await } }), 0);
}

/// A retry inside a timeout, three calls deep: the timeout publishes its deadline and the
/// retry and the body read it, with no allocation; a hedge with a `timeout` too.
#[test]
fn a_deadline_read_under_a_timeout_allocates_nothing() {
    #[resile::retry(max = 3)]
    async fn inner(x: u64) -> Result<u64, E> {
        assert!(resile::deadline().is_some());
        Ok(black_box(x))
    }
    async fn middle(x: u64) -> Result<u64, E> {
        inner(x).await
    }
    #[resile::timeout("1s")]
    async fn handler(x: u64) -> Result<u64, E> {
        middle(x).await
    }
    #[resile::hedge(delay = "100ms", timeout = "1s")]
    async fn hedged_with_timeout(x: u64) -> Result<u64, E> {
        assert!(resile::deadline().is_some());
        Ok(black_box(x))
    }
    assert_eq!(measure(handler), 0);
    assert_eq!(measure(hedged_with_timeout), 0);
    assert_eq!(resile::deadline(), None);
}

/// With the `metrics` feature (on for these tests) and no recorder, every test above holds:
/// the warm paths allocate nothing. With a Prometheus recorder, the success path allocates
/// only in the exporter's duration histogram (`metrics-util`'s `AtomicBucket`: a block
/// every 64 values, and `crossbeam-epoch`'s bookkeeping), about one allocation per ten
/// calls until a scrape drains it; with histograms left out, nothing.
#[test]
fn with_a_prometheus_recorder_only_its_histograms_allocate() {
    use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
    use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

    /// The Prometheus recorder without histograms.
    struct NoHistograms(PrometheusRecorder);
    impl Recorder for NoHistograms {
        fn describe_counter(&self, k: KeyName, u: Option<Unit>, d: SharedString) {
            self.0.describe_counter(k, u, d);
        }
        fn describe_gauge(&self, k: KeyName, u: Option<Unit>, d: SharedString) {
            self.0.describe_gauge(k, u, d);
        }
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, k: &Key, m: &Metadata<'_>) -> Counter {
            self.0.register_counter(k, m)
        }
        fn register_gauge(&self, k: &Key, m: &Metadata<'_>) -> Gauge {
            self.0.register_gauge(k, m)
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    #[resile::timeout("1s")]
    async fn exported(x: u64) -> Result<u64, E> {
        Ok(x)
    }
    #[resile::timeout("1s")]
    async fn counted(x: u64) -> Result<u64, E> {
        Ok(x)
    }
    let recorder = PrometheusBuilder::new().build_recorder();
    let with_histograms = metrics::with_local_recorder(&recorder, || measure(exported));
    assert!(with_histograms < N / 5, "{with_histograms} allocations for {N} calls");
    let recorder = NoHistograms(PrometheusBuilder::new().build_recorder());
    let without = metrics::with_local_recorder(&recorder, || measure(counted));
    assert_eq!(without, 0);
}
