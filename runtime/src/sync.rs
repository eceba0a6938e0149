//! Atomics and locks behind one shim, so the state machines run unchanged under loom
//! (`RUSTFLAGS="--cfg loom"`), as tokio's own `src/loom/` does.

#[cfg(not(loom))]
pub(crate) use std::sync::Mutex;
#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::sync::Mutex;
#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Locks a mutex, recovering the data if a panicking thread poisoned it: every critical
/// section in this crate leaves its data consistent before it can panic.
#[allow(dead_code)]
pub(crate) fn lock<T>(m: &Mutex<T>) -> impl std::ops::DerefMut<Target = T> + '_ {
    #[cfg(not(loom))]
    {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    #[cfg(loom)]
    {
        m.lock().unwrap()
    }
}

/// Runs `fut` with `live` counted up while it exists (from its first poll to its drop):
/// how `resile::testing`'s scopes and recorders tell the call path whether to look for
/// them.
#[cfg(any(feature = "testing", doc))]
pub(crate) async fn counted<F: std::future::Future>(
    live: &'static std::sync::atomic::AtomicUsize,
    fut: F,
) -> F::Output {
    use std::sync::atomic::{AtomicUsize, Ordering};
    struct Live(&'static AtomicUsize);
    impl Drop for Live {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::Relaxed);
        }
    }
    // Orderings: `Relaxed`. A task in a scope reads the count after raising it, in the same
    // poll (program order) or in a later one, which tokio runs on another thread only after
    // synchronising with the earlier poll: it always sees its own scope counted. A task in
    // no scope may see a stale count; it then looks for a scope and finds none, or does not
    // look, and is right either way.
    live.fetch_add(1, Ordering::Relaxed);
    let _live = Live(live);
    fut.await
}
