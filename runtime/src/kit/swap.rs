//! [`Swap`]: a value read on every call and replaced now and then.

use std::ptr::NonNull;

use crate::sync::{AtomicPtr, Mutex, Ordering, lock};

/// A value that a call reads with one `Acquire` load and a reconfiguration replaces.
///
/// Crate-private; public under `cfg(loom)` only, for `runtime/tests/swap_loom.rs`.
///
/// Readers get a plain `&T` that stays valid for as long as the `Swap` lives: a replaced
/// value is retired, not freed, until the `Swap` is dropped. Memory grows by one `T` per
/// replacement, which suits settings (they change when an operator changes them) and not
/// data that changes per call.
///
/// Written here rather than taken from `arc-swap`: `ArcSwap::load` takes a debt slot (tens of
/// instructions) so that old values can be freed early, and the call path of a breaker or a
/// hedge pays for every load; settings never need freeing early.
///
/// # Orderings
/// `store` publishes the new value with `Release` (the `swap`), `load` reads it with
/// `Acquire`, so a reader that sees the new pointer sees the value it points to.
pub struct Swap<T> {
    current: AtomicPtr<T>,
    retired: Mutex<Vec<NonNull<T>>>,
}

// SAFETY: a `Swap<T>` owns its values (boxed) and hands out `&T` only: it is `Send`/`Sync`
// exactly when `T` is.
unsafe impl<T: Send> Send for Swap<T> {}
// SAFETY: see `Send`; shared access only gives `&T`, which needs `T: Sync`.
unsafe impl<T: Send + Sync> Sync for Swap<T> {}

impl<T> Swap<T> {
    /// A swap holding `value`.
    pub fn new(value: T) -> Self {
        Swap { current: AtomicPtr::new(Box::into_raw(Box::new(value))), retired: Mutex::new(Vec::new()) }
    }

    /// The current value.
    #[inline]
    pub fn load(&self) -> &T {
        // SAFETY: the pointer came from `Box::into_raw` and is freed only in `drop`, which
        // needs `&mut self`, so it outlives the returned borrow of `self`.
        unsafe { &*self.current.load(Ordering::Acquire) }
    }

    /// Replaces the value; readers that loaded the old one keep a valid reference to it.
    pub fn store(&self, value: T) {
        self.store_box(Box::new(value));
    }

    /// [`store`](Self::store) of a value already boxed, so a caller can allocate before a
    /// critical step and publish right after it.
    pub fn store_box(&self, value: Box<T>) {
        let new = Box::into_raw(value);
        let old = self.current.swap(new, Ordering::AcqRel);
        lock(&self.retired).push(NonNull::new(old).expect("a Swap always holds a value"));
    }
}

impl<T> Drop for Swap<T> {
    fn drop(&mut self) {
        let current = self.current.load(Ordering::Relaxed);
        // SAFETY: every pointer here came from `Box::into_raw`, each appears once, and no
        // reader can outlive `&mut self`.
        unsafe {
            drop(Box::from_raw(current));
            for old in lock(&self.retired).drain(..) {
                drop(Box::from_raw(old.as_ptr()));
            }
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Swap<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn readers_keep_the_value_they_loaded() {
        let s = Swap::new(String::from("first"));
        let old = s.load();
        s.store(String::from("second"));
        assert_eq!(old, "first");
        assert_eq!(s.load(), "second");
    }
}
