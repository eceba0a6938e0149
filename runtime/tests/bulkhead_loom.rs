//! Loom models of the bulkhead's own accounting ([`Ledger`]): `in_use`, `waiting` and the
//! permits a shrink still owes, around a pool of permits that stands in for tokio's
//! semaphore (which tokio checks with loom itself).
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p resile-runtime --release --test bulkhead_loom
//! ```
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::thread;
use resile_runtime::bulkhead::{Ledger, Pool};

/// Free permits, as a semaphore's counter.
#[derive(Debug)]
struct Free(AtomicU32);

impl Free {
    fn try_take(&self, n: u32) -> bool {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            if current < n {
                return false;
            }
            match self.0.compare_exchange(current, current - n, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(now) => current = now,
            }
        }
    }
    fn free(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }
}

impl Pool for Free {
    fn add(&self, n: u32) {
        self.0.fetch_add(n, Ordering::AcqRel);
    }
    fn forget_free(&self, n: u32) -> u32 {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let take = current.min(n);
            match self.0.compare_exchange(current, current - take, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return take,
                Err(now) => current = now,
            }
        }
    }
}

/// One call of `weight`: admitted (then returns its permits) or refused.
fn call(ledger: &Ledger, pool: &Free, weight: u32) -> bool {
    if pool.try_take(weight) {
        ledger.admitted(weight);
        ledger.returned(weight, pool);
        true
    } else {
        false
    }
}

/// Once everything has returned: nothing in use, nobody waiting, and the pool holds the
/// limit exactly (after paying what a shrink still owes from the free permits).
fn assert_quiescent(ledger: &Ledger, pool: &Free, limit: u32) {
    ledger.settle(pool);
    assert_eq!((ledger.in_use(), ledger.waiting(), ledger.debt()), (0, 0, 0));
    assert_eq!(pool.free(), limit);
    assert_eq!(ledger.limit(), limit);
}

/// Two calls race for the permits while a third waits and is cancelled: counts return to
/// zero and no permit is lost or made up.
#[test]
fn admissions_returns_and_a_cancelled_wait() {
    loom::model(|| {
        let ledger = Arc::new(Ledger::new(2));
        let pool = Arc::new(Free(AtomicU32::new(2)));
        let threads: Vec<_> = [2, 1]
            .into_iter()
            .map(|weight| {
                let (ledger, pool) = (ledger.clone(), pool.clone());
                thread::spawn(move || call(&ledger, &pool, weight))
            })
            .collect();
        {
            let ticket = ledger.wait();
            assert!(ledger.waiting() >= 1);
            drop(ticket);
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_quiescent(&ledger, &pool, 2);
    });
}

/// A shrink while a call runs: the call keeps its permits, its return pays the debt, and
/// once it is back the pool holds the new limit exactly.
#[test]
fn shrink_while_a_call_returns() {
    loom::model(|| {
        let ledger = Arc::new(Ledger::new(3));
        let pool = Arc::new(Free(AtomicU32::new(3)));
        let caller = {
            let (ledger, pool) = (ledger.clone(), pool.clone());
            thread::spawn(move || call(&ledger, &pool, 2))
        };
        ledger.resize(1, &*pool);
        caller.join().unwrap();
        assert_quiescent(&ledger, &pool, 1);
    });
}

/// A shrink and a grow back while a call runs: a grow cancels what is owed first, and the
/// pool ends with the last limit exactly.
#[test]
fn shrink_then_grow_while_a_call_returns() {
    loom::model(|| {
        let ledger = Arc::new(Ledger::new(2));
        let pool = Arc::new(Free(AtomicU32::new(2)));
        let caller = {
            let (ledger, pool) = (ledger.clone(), pool.clone());
            thread::spawn(move || call(&ledger, &pool, 2))
        };
        ledger.resize(1, &*pool);
        ledger.resize(3, &*pool);
        caller.join().unwrap();
        assert_quiescent(&ledger, &pool, 3);
    });
}
