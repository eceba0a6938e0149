//! [`ShardLock`]: the reader-writer lock of one shard of a keyed family
//! ([`Family`](super::Family)).
//!
//! Crate-private; public under `cfg(loom)` only, for `runtime/tests/keyed_loom.rs`. Its
//! atomics and its cell are the loom shims of [`crate::sync`], so the model checks every
//! interleaving of readers and writers, and every access to the value against the others.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use crate::sync::{AtomicU32, ConstPtr, MutPtr, Ordering, UnsafeCell, yield_thread};

/// A reader-writer lock in one word, the readers' count below [`WRITER`], a writer's
/// bit on top. A reader's lock is one atomic addition (and a test), its unlock one atomic
/// subtraction: lighter than std's `RwLock` (a load, a compare-exchange and a poison check)
/// on the path of every keyed call. A writer (a key added, an eviction batch: rare, and
/// serialised by the family's lock for adding) sets its bit, then waits for the readers in
/// to leave; readers that come meanwhile step back until it is done. Waits yield the thread:
/// readers hold the lock for one probe of the table, writers for one insertion or one
/// batch of removals in the shard.
pub struct ShardLock<T> {
    state: AtomicU32,
    value: UnsafeCell<T>,
}

/// The writer's bit of [`ShardLock`]'s word.
const WRITER: u32 = 1 << 31;

// SAFETY: the lock hands out `&T` to readers (possibly on several threads at once) and
// `&mut T` to one writer at a time, excluding readers: as `RwLock<T>`, it is `Sync` when
// `T: Send + Sync`, and `Send` when `T: Send`.
unsafe impl<T: Send + Sync> Sync for ShardLock<T> {}
// SAFETY: as above (loom's cell is not `Send` by itself).
unsafe impl<T: Send> Send for ShardLock<T> {}

impl<T> ShardLock<T> {
    /// An unlocked lock around `value`.
    pub fn new(value: T) -> Self {
        ShardLock { state: AtomicU32::new(0), value: UnsafeCell::new(value) }
    }

    /// Shared access, until the guard is dropped.
    #[inline(always)]
    pub fn read(&self) -> ReadGuard<'_, T> {
        // Orderings: `Acquire` pairs with the writer's `Release` unlock, so a reader sees
        // everything the last writer did. The word's modification order decides between a
        // reader's addition and a writer's bit: whichever comes second sees the other.
        if self.state.fetch_add(1, Ordering::Acquire) & WRITER != 0 {
            self.read_contended();
        }
        ReadGuard { lock: self, value: ManuallyDrop::new(self.value.get()) }
    }

    #[cold]
    #[inline(never)]
    fn read_contended(&self) {
        loop {
            // Step back, wait for the writer, and try again.
            self.state.fetch_sub(1, Ordering::Relaxed);
            while self.state.load(Ordering::Relaxed) & WRITER != 0 {
                yield_thread();
            }
            if self.state.fetch_add(1, Ordering::Acquire) & WRITER == 0 {
                return;
            }
        }
    }

    /// Exclusive access, until the guard is dropped.
    pub fn write(&self) -> WriteGuard<'_, T> {
        // Orderings: `Acquire` on taking the bit and on seeing the last reader leave pairs
        // with their `Release`, so the writer sees what they did (they only read).
        while self.state.fetch_or(WRITER, Ordering::Acquire) & WRITER != 0 {
            yield_thread();
        }
        while self.state.load(Ordering::Acquire) & !WRITER != 0 {
            yield_thread();
        }
        WriteGuard { lock: self, value: ManuallyDrop::new(self.value.get_mut()) }
    }

    /// The lock's word: 0 when it is free (for tests).
    #[cfg(any(test, loom))]
    pub fn state(&self) -> u32 {
        self.state.load(Ordering::Relaxed)
    }
}

impl<T> fmt::Debug for ShardLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Relaxed);
        f.debug_struct("ShardLock")
            .field("readers", &(state & !WRITER))
            .field("writer", &(state & WRITER != 0))
            .finish_non_exhaustive()
    }
}

/// A reader's hold on a [`ShardLock`].
pub struct ReadGuard<'a, T> {
    lock: &'a ShardLock<T>,
    /// The access to the value (checked by loom while it exists): ended before the unlock.
    value: ManuallyDrop<ConstPtr<T>>,
}

impl<T> fmt::Debug for ReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadGuard").finish_non_exhaustive()
    }
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: a reader's count is held: no writer has `&mut T` until it is released.
        unsafe { ConstPtr::deref(&self.value) }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: dropped once, here, and not used after.
        unsafe { ManuallyDrop::drop(&mut self.value) };
        // Orderings: `Release`: a writer that sees the count at zero sees this read done.
        self.lock.state.fetch_sub(1, Ordering::Release);
    }
}

/// The writer's hold on a [`ShardLock`].
pub struct WriteGuard<'a, T> {
    lock: &'a ShardLock<T>,
    /// The access to the value (checked by loom while it exists): ended before the unlock.
    value: ManuallyDrop<MutPtr<T>>,
}

impl<T> fmt::Debug for WriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteGuard").finish_non_exhaustive()
    }
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the writer's bit is held and no reader is in.
        unsafe { MutPtr::deref(&self.value) }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the writer's bit is held and no reader is in: this access is exclusive.
        unsafe { MutPtr::deref(&self.value) }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: dropped once, here, and not used after.
        unsafe { ManuallyDrop::drop(&mut self.value) };
        // Orderings: `Release` pairs with the readers' `Acquire`: they see this write.
        self.lock.state.fetch_and(!WRITER, Ordering::Release);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_shard_lock_excludes_readers_from_a_write() {
        let lock = Arc::new(ShardLock::new((0u64, 0u64)));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let lock = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        if i == 0 {
                            let mut w = lock.write();
                            let pair: &mut (u64, u64) = &mut w;
                            pair.0 += 1;
                            pair.1 += 1;
                        } else {
                            let r = lock.read();
                            let pair: &(u64, u64) = &r;
                            assert_eq!(pair.0, pair.1, "a reader saw half a write");
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*lock.read(), (20_000u64, 20_000u64));
        assert_eq!(lock.state(), 0, "every lock was released");
    }
}
