//! Atomics and locks behind one shim, so the state machines run unchanged under loom
//! (`RUSTFLAGS="--cfg loom"`), as tokio's own `src/loom/` does.

#[cfg(not(loom))]
pub(crate) use std::sync::Mutex;
#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// 128-bit atomics (the rate limiter's state): `cmpxchg16b` on x86-64, detected at run time.
#[cfg(not(loom))]
pub(crate) use portable_atomic::AtomicU128;

#[cfg(loom)]
pub(crate) use loom::sync::Mutex;
/// Under loom, which has no 128-bit atomic: a loom mutex around the value, so that each
/// operation is one step the model interleaves (sequentially consistent, stronger than the
/// real atomic; the rate limiter publishes no other memory through it).
#[cfg(loom)]
pub(crate) use loom_u128::AtomicU128;

#[cfg(loom)]
mod loom_u128 {
    use super::Ordering;

    #[derive(Debug)]
    pub(crate) struct AtomicU128(loom::sync::Mutex<u128>);

    impl AtomicU128 {
        pub(crate) fn new(v: u128) -> Self {
            AtomicU128(loom::sync::Mutex::new(v))
        }
        pub(crate) fn load(&self, _: Ordering) -> u128 {
            *self.0.lock().unwrap()
        }
        pub(crate) fn compare_exchange_weak(
            &self,
            current: u128,
            new: u128,
            _: Ordering,
            _: Ordering,
        ) -> Result<u128, u128> {
            let mut v = self.0.lock().unwrap();
            if *v == current {
                *v = new;
                Ok(current)
            } else {
                Err(*v)
            }
        }
        pub(crate) fn compare_exchange(
            &self,
            current: u128,
            new: u128,
            s: Ordering,
            f: Ordering,
        ) -> Result<u128, u128> {
            self.compare_exchange_weak(current, new, s, f)
        }
    }
}
#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use cell::{ConstPtr, MutPtr, UnsafeCell};
/// A cell for a lock's value: loom's, which checks each access against the others while
/// its pointer guard ([`ConstPtr`], [`MutPtr`]) exists; outside loom, std's `UnsafeCell`
/// with the same API (the guards are plain pointers).
#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) use loom::cell::{ConstPtr, MutPtr, UnsafeCell};

#[cfg(not(loom))]
mod cell {
    /// std's `UnsafeCell` with loom's API.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }
        #[inline(always)]
        pub(crate) fn get(&self) -> ConstPtr<T> {
            ConstPtr(self.0.get())
        }
        #[inline(always)]
        pub(crate) fn get_mut(&self) -> MutPtr<T> {
            MutPtr(self.0.get())
        }
    }

    /// A shared pointer to a cell's value.
    #[derive(Debug)]
    pub(crate) struct ConstPtr<T>(*const T);

    impl<T> ConstPtr<T> {
        /// # Safety
        /// As dereferencing a `*const T`.
        #[inline(always)]
        pub(crate) unsafe fn deref(&self) -> &T {
            // SAFETY: the caller's.
            unsafe { &*self.0 }
        }
    }

    /// An exclusive pointer to a cell's value.
    #[derive(Debug)]
    pub(crate) struct MutPtr<T>(*mut T);

    impl<T> MutPtr<T> {
        /// # Safety
        /// As dereferencing a `*mut T`.
        #[inline(always)]
        #[allow(clippy::mut_from_ref)]
        pub(crate) unsafe fn deref(&self) -> &mut T {
            // SAFETY: the caller's.
            unsafe { &mut *self.0 }
        }
    }
}

/// Yields the thread to the others while waiting for one of them: std's, or loom's, so the
/// model can run the thread being waited for.
#[allow(dead_code)]
#[inline]
pub(crate) fn yield_thread() {
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    loom::thread::yield_now();
}

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

/// Locks one of `resile::testing`'s `std` mutexes, recovering the data if a panicking test
/// poisoned it. (Not [`lock`]: that one is loom's under `cfg(loom)`, and this state is never
/// part of a loom model.)
#[cfg(any(feature = "testing", doc))]
pub(crate) fn std_lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One turn of a spin loop: a hint to the CPU, or under loom a yield, so the model can run
/// the thread being waited for.
#[allow(dead_code)]
#[inline]
pub(crate) fn spin() {
    #[cfg(not(loom))]
    std::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
}
