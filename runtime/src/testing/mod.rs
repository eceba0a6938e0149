//! Testing code that uses resile (cargo feature `testing`, for `[dev-dependencies]`):
//! named instances private to a test, a reset of every instance, and a recorder of
//! telemetry events. The chapter [`docs::testing`](crate::docs::testing) shows them at work.
//!
//! | item | what it does |
//! |---|---|
//! | [`isolated`] | runs a future with breakers, hedge trackers and retry budgets private to it, by name |
//! | [`scope`], [`Scope`] | the current scope, to run a spawned future in it |
//! | [`reset_all`] | resets every named instance (the scope's, inside one) |
//! | [`record`], [`Recorder`], [`Recorded`] | the telemetry events a future caused, as owned values |
//! | [`seed_jitter`] | makes this thread's jitter draws the same in every run |
//!
//! # Performance
//! With the feature off, none of this is compiled and the call path is unchanged. With it
//! on, a call site pays one `Relaxed` load (is any scope live?) on each call, and an event
//! site one more (is any recorder live?) when it asks whether anybody is listening; a task
//! looks for its scope or recorder only while one is live somewhere in the process.

pub(crate) mod recorder;
pub(crate) mod scope;

pub use recorder::{Recorded, Recorder, record};
pub use scope::{Scope, isolated, scope};

/// Seeds the random draws of this thread's retry jitter (a `fastrand` generator per
/// thread), so a test's delays are the same in every run: on a current-thread runtime
/// (`#[tokio::test]`'s default) every guarded call of the test draws from it. For delays
/// known in advance rather than merely repeatable, write `jitter = "none"` in the
/// attribute under test.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::retry::{Jitter, RetryConfig, RetryState};
///
/// let cfg = RetryConfig::new().jitter(Jitter::Full);
/// let draw = || RetryState::new().next_delay(&cfg, || true, || None, &mut fastrand::f64).unwrap();
/// resile::testing::seed_jitter(7);
/// let first = draw();
/// resile::testing::seed_jitter(7);
/// assert_eq!(draw(), first);
/// ```
pub fn seed_jitter(seed: u64) {
    fastrand::seed(seed);
}

/// Resets every named instance to the state of a new one, keeping its settings: breakers
/// closed with a fresh window, hedge trackers with a fresh latency window, a full budget
/// and zero counters, retry budgets with a fresh window and zero counters (each kind's
/// [`NamedPolicy::reset`](crate::kit::NamedPolicy::reset)).
///
/// Outside an [`isolated`] scope, the process-wide instances; inside one, the scope's only
/// (a test that isolates itself leaves the other tests' instances alone).
pub fn reset_all() {
    for registry in crate::kit::registry::listing::current() {
        registry.reset_all();
    }
}

/// Locks one of this module's `std` mutexes, recovering the data if a panicking test
/// poisoned it. (Not `crate::sync::lock`: that one is loom's under `cfg(loom)`, and this
/// module's state is never part of a loom model.)
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
