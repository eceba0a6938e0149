//! The bulkhead's accounting, tokio-free: what the bulkhead counts itself (`in_use`,
//! `waiting`) and how a live change of `max_concurrent` adds permits to the queue or takes
//! them back (`debt`). The queue itself, permits and waiters in FIFO order, is tokio's
//! `Semaphore`, seen here through [`Pool`] so that a loom model can stand in for it.

use crate::sync::{AtomicU32, Ordering};

/// The permits the accounting gives back, takes back or adds: tokio's `Semaphore` for a
/// bulkhead, a plain counter in a loom model.
pub trait Pool {
    /// Adds `n` permits (to the waiter at the head of the queue first).
    fn add(&self, n: u32);
    /// Removes up to `n` free permits at once; how many were removed.
    fn forget_free(&self, n: u32) -> u32;
}

/// The counts a bulkhead keeps beside its semaphore.
///
/// - `limit`: `max_concurrent` in force.
/// - `in_use`: the weights held by admitted calls that have not returned them.
/// - `waiting`: the calls in the queue.
/// - `debt`: permits to take back after a shrink, as running calls return them.
///
/// The invariant, once no call and no reconfiguration is under way: the pool's free
/// permits plus `in_use` are `limit + debt`; every return pays the debt first, so once
/// the calls that ran during a shrink are back (and [`settle`](Ledger::settle) has run)
/// `debt` is 0 and the pool holds `limit`. `runtime/tests/bulkhead_loom.rs` checks it under concurrent admissions,
/// returns, cancelled waits and reconfigurations.
///
/// # Orderings
/// All `Relaxed`: each counter is one location whose read-modify-writes are totally
/// ordered by themselves, and no other memory is published through them (the semaphore
/// synchronises the permits). A debt unit is moved by compare-exchange or `swap`, so each
/// one is either paid (a permit forgotten), cancelled (by a grow) or still owed, never two
/// of these.
#[derive(Debug)]
pub struct Ledger {
    limit: AtomicU32,
    in_use: AtomicU32,
    waiting: AtomicU32,
    debt: AtomicU32,
}

impl Ledger {
    /// The accounting of a bulkhead of `limit` permits, all free.
    pub fn new(limit: u32) -> Self {
        Ledger {
            limit: AtomicU32::new(limit),
            in_use: AtomicU32::new(0),
            waiting: AtomicU32::new(0),
            debt: AtomicU32::new(0),
        }
    }

    /// `max_concurrent` in force.
    #[inline]
    pub fn limit(&self) -> u32 {
        self.limit.load(Ordering::Relaxed)
    }

    /// The weights held by admitted calls.
    #[inline]
    pub fn in_use(&self) -> u32 {
        self.in_use.load(Ordering::Relaxed)
    }

    /// The calls waiting in the queue.
    #[inline]
    pub fn waiting(&self) -> u32 {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Permits still to take back after a shrink.
    #[inline]
    pub fn debt(&self) -> u32 {
        self.debt.load(Ordering::Relaxed)
    }

    /// A call took `weight` permits from the pool.
    #[inline]
    pub fn admitted(&self, weight: u32) {
        self.in_use.fetch_add(weight, Ordering::Relaxed);
    }

    /// A call returns its `weight` permits: what a shrink still owes is forgotten, the rest
    /// goes back to `pool`. With no debt (always, but after a shrink) one load and the add.
    #[inline]
    pub fn returned(&self, weight: u32, pool: &impl Pool) {
        self.in_use.fetch_sub(weight, Ordering::Relaxed);
        let back = if self.debt.load(Ordering::Relaxed) == 0 { weight } else { weight - self.pay(weight) };
        if back > 0 {
            pool.add(back);
        }
    }

    /// Takes up to `weight` units off the debt; how many.
    #[cold]
    fn pay(&self, weight: u32) -> u32 {
        take_up_to(&self.debt, weight)
    }

    /// A call starts waiting: the count goes down when the ticket is dropped (admitted,
    /// timed out or cancelled).
    #[inline]
    pub fn wait(&self) -> WaitTicket<'_> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        WaitTicket { ledger: self }
    }

    /// Puts `limit` in force. Growing cancels what a shrink still owes, then adds the rest
    /// to `pool`; shrinking takes free permits back at once and owes the rest, taken back as
    /// running calls return theirs. Calls running keep their permits.
    ///
    /// Reconfigurations of one bulkhead must not run concurrently (the registry makes them
    /// under the name's lock); calls may.
    pub fn resize(&self, limit: u32, pool: &impl Pool) {
        let old = self.limit.swap(limit, Ordering::Relaxed);
        if limit > old {
            let grow = limit - old;
            let cancelled = take_up_to(&self.debt, grow);
            if grow > cancelled {
                pool.add(grow - cancelled);
            }
        } else if limit < old {
            self.debt.fetch_add(old - limit, Ordering::Relaxed);
            self.settle(pool);
        }
    }

    /// Pays the debt from the pool's free permits, as far as they go.
    ///
    /// A return that races with a shrink may give its permits to the pool just as the
    /// debt is set: they stay free until the next return pays the debt (the pool is over
    /// its limit by at most the weights returned during the shrink, until the next return).
    /// Calling `settle` again takes them back at once.
    pub fn settle(&self, pool: &impl Pool) {
        let owed = self.debt.swap(0, Ordering::Relaxed);
        if owed == 0 {
            return;
        }
        let paid = pool.forget_free(owed);
        if owed > paid {
            self.debt.fetch_add(owed - paid, Ordering::Relaxed);
        }
    }
}

/// Subtracts up to `n` from `counter` (not below 0); how much.
fn take_up_to(counter: &AtomicU32, n: u32) -> u32 {
    let mut current = counter.load(Ordering::Relaxed);
    loop {
        let take = current.min(n);
        if take == 0 {
            return 0;
        }
        match counter.compare_exchange_weak(current, current - take, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return take,
            Err(now) => current = now,
        }
    }
}

/// A call counted in `waiting`; dropping it (admitted, timed out or cancelled) counts it
/// out.
#[derive(Debug)]
pub struct WaitTicket<'a> {
    ledger: &'a Ledger,
}

impl Drop for WaitTicket<'_> {
    #[inline]
    fn drop(&mut self) {
        self.ledger.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[derive(Default)]
    struct Free(Cell<u32>);
    impl Pool for Free {
        fn add(&self, n: u32) {
            self.0.set(self.0.get() + n);
        }
        fn forget_free(&self, n: u32) -> u32 {
            let f = self.0.get().min(n);
            self.0.set(self.0.get() - f);
            f
        }
    }

    #[test]
    fn a_shrink_takes_free_permits_at_once_and_the_rest_as_they_return() {
        let pool = Free(Cell::new(4));
        let ledger = Ledger::new(4);
        pool.forget_free(3);
        ledger.admitted(3);
        ledger.resize(2, &pool); // one free permit taken at once, one owed
        assert_eq!((pool.0.get(), ledger.debt(), ledger.limit()), (0, 1, 2));
        ledger.returned(3, &pool);
        assert_eq!((pool.0.get(), ledger.debt(), ledger.in_use()), (2, 0, 0));
    }

    #[test]
    fn a_grow_cancels_the_debt_first() {
        let pool = Free(Cell::new(0));
        let ledger = Ledger::new(4);
        ledger.admitted(4);
        ledger.resize(1, &pool);
        assert_eq!(ledger.debt(), 3);
        ledger.resize(5, &pool); // cancels 3, adds 1
        assert_eq!((pool.0.get(), ledger.debt()), (1, 0));
        ledger.returned(4, &pool);
        assert_eq!(pool.0.get(), 5);
        let ticket = ledger.wait();
        assert_eq!(ledger.waiting(), 1);
        drop(ticket);
        assert_eq!(ledger.waiting(), 0);
    }
}
