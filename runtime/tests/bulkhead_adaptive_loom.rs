//! Loom models of the adaptive bulkhead's limit update ([`AdaptiveLimit::on_sample`],
//! [`AdaptiveLimit::reconfigure`]) racing admissions and returns on the [`Ledger`], around
//! a pool of permits that stands in for tokio's semaphore.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p resile-runtime --release --test bulkhead_adaptive_loom
//! ```
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::thread;
use resile_runtime::bulkhead::adaptive::AdaptiveLimit;
use resile_runtime::bulkhead::{AdaptiveAlgorithm, BulkheadConfig, Ledger, Pool};

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

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

/// An AIMD limit of 2 within `1..=3` whose current window already holds 10 samples: the
/// next sample after 1 s closes it and moves the limit (down on a drop, else up).
fn primed(ledger: &Ledger, pool: &Free) -> AdaptiveLimit {
    let config = BulkheadConfig::new(3).adaptive(AdaptiveAlgorithm::Aimd).initial_concurrent(2);
    let adaptive = AdaptiveLimit::new(&config).unwrap();
    for i in 0..11 {
        adaptive.on_sample(MS, 2, false, 1 + i, ledger, pool);
    }
    assert_eq!((adaptive.limit(), ledger.limit()), (2, 2));
    adaptive
}

/// One call of weight 1: admitted (then returns its permit) or refused. While it runs,
/// the permits held never exceed the larger of the limits before and after the update.
fn call(ledger: &Ledger, pool: &Free, most: u32) -> bool {
    if pool.try_take(1) {
        ledger.admitted(1);
        assert!(ledger.in_use() <= most, "in use {} above {most}", ledger.in_use());
        ledger.returned(1, pool);
        true
    } else {
        false
    }
}

/// Once everything has returned: nothing in use, and the pool holds the limit exactly.
fn assert_quiescent(ledger: &Ledger, pool: &Free, limit: u32) {
    ledger.settle(pool);
    assert_eq!((ledger.in_use(), ledger.waiting(), ledger.debt()), (0, 0, 0));
    assert_eq!((ledger.limit(), pool.free()), (limit, limit));
}

/// A sample that lowers the limit (a drop: 2 → 1) races a call that holds a permit
/// across it: it makes up no permit, and once it is back the pool holds exactly the new
/// limit (the call pays the debt the shrink left, or the shrink takes its returned permit).
#[test]
fn a_lowering_sample_races_a_call() {
    loom::model(|| {
        let ledger = Arc::new(Ledger::new(2));
        let pool = Arc::new(Free(AtomicU32::new(2)));
        let adaptive = Arc::new(primed(&ledger, &pool));
        let c = {
            let (ledger, pool) = (ledger.clone(), pool.clone());
            thread::spawn(move || call(&ledger, &pool, 2))
        };
        adaptive.on_sample(MS, 2, true, 2 * S, &ledger, &*pool);
        assert!(c.join().unwrap(), "a call always finds a permit: 2, then 1");
        assert_eq!(adaptive.limit(), 1);
        assert_quiescent(&ledger, &pool, 1);
    });
}

/// A sample that raises the limit (2 → 3) races a call holding a permit across it: the
/// new permit is added once, and the pool ends at 3.
#[test]
fn a_raising_sample_races_a_call() {
    loom::model(|| {
        let ledger = Arc::new(Ledger::new(2));
        let pool = Arc::new(Free(AtomicU32::new(2)));
        let adaptive = Arc::new(primed(&ledger, &pool));
        let c = {
            let (ledger, pool) = (ledger.clone(), pool.clone());
            thread::spawn(move || call(&ledger, &pool, 3))
        };
        adaptive.on_sample(MS, 2, false, 2 * S, &ledger, &*pool);
        assert!(c.join().unwrap(), "a call always finds a permit: 2, then 3");
        assert_eq!(adaptive.limit(), 3);
        assert_quiescent(&ledger, &pool, 3);
    });
}

/// Two samples race each other (one is skipped if it finds the lock taken) and a live
/// reconfiguration that lowers the ceiling to 1: whatever the order, the limit ends at 1
/// and the pool with it.
#[test]
fn samples_race_a_reconfiguration() {
    loom::model(|| {
        let ledger = Arc::new(Ledger::new(2));
        let pool = Arc::new(Free(AtomicU32::new(2)));
        let adaptive = Arc::new(primed(&ledger, &pool));
        let sampler = {
            let (ledger, pool, adaptive) = (ledger.clone(), pool.clone(), adaptive.clone());
            thread::spawn(move || adaptive.on_sample(MS, 2, false, 2 * S, &ledger, &*pool))
        };
        let caller = {
            let (ledger, pool) = (ledger.clone(), pool.clone());
            thread::spawn(move || call(&ledger, &pool, 3))
        };
        let config = BulkheadConfig::new(1).adaptive(AdaptiveAlgorithm::Aimd);
        adaptive.reconfigure(&config, &ledger, &*pool);
        sampler.join().unwrap();
        caller.join().unwrap();
        assert_eq!(adaptive.limit(), 1);
        assert_quiescent(&ledger, &pool, 1);
    });
}
