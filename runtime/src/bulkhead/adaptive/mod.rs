//! The adaptive bulkhead (`#[bulkhead(adaptive = "gradient2" | "vegas" | "aimd")]`): the
//! limit follows the latency the calls show, between `min_concurrent` and `max_concurrent`.
//!
//! - [`limit`]: the algorithms (Netflix concurrency-limits' `Gradient2Limit`, `VegasLimit`,
//!   `AIMDLimit`), pure state machines, fed through its `WindowedLimit` (one averaged
//!   sample per window of at least 1 s and 10 calls);
//! - [`AdaptiveLimit`]: an algorithm behind a lock, and how its limit is put in force: as
//!   a live resize of the bulkhead's [`Ledger`] (a lower limit is a shrink that running
//!   calls pay back as they return their permits, so nothing is admitted above the limit in
//!   force when it is admitted; a higher one adds permits to the head of the queue first);
//! - [`AdaptivePermit`]: the permits of a call admitted by an adaptive site, whose drop
//!   takes the call's latency sample.
//!
//! # Samples
//! A sample is taken when the permits are given back: the latency is the time they were
//! held (tokio's clock, from admission, after any wait in the queue, to the drop), and the
//! calls in flight are the permits in use just after admission, its own included (Netflix's
//! `inflight`). A call that ends, fails or is cancelled gives an ordinary sample (a cancelled
//! call's latency is a lower bound of the downstream's, still the signal the algorithms
//! need when an outer timeout cuts slow calls); a panic gives a dropped sample (`didDrop`).
//! A call that passed a bulkhead turned off gives none.
//!
//! # Convergence
//! Against a downstream whose latency rises past a capacity `C` (`resile::sim`'s
//! `Downstream::new().latency(Latency::fixed(100ms)).capacity(40)`: a call that enters with
//! `n > C` calls in it takes `100 ms × n / C`), with calls arriving at twice its capacity
//! (800/s) for 120 virtual seconds, a bulkhead of ceiling 160 and `max_wait` 0, over the
//! second half:
//!
//! | bulkhead | limit (min, max, mean) | p99 | p99 / unloaded |
//! |---|---|---:|---:|
//! | `adaptive = "gradient2"` | 44, 45, 44.6 | 113 ms | 1.13× |
//! | `adaptive = "vegas"` | 44, 44, 44.0 | 110 ms | 1.10× |
//! | `adaptive = "aimd"` | 79, 139, 109.1 (still climbing) | 348 ms | 3.48× |
//! | fixed, `max_concurrent = 80` (2C) | 80 | 200 ms | 2.00× |
//! | fixed, `max_concurrent = 160` (4C) | 160 | 400 ms | 4.00× |
//!
//! Gradient2 and Vegas settle at `C + 4` or `C + 5`, 10–12 % above the capacity, and keep
//! p99 within 1.15× the unloaded one, where a fixed bulkhead lets p99 grow with the queue
//! it lets into the downstream. AIMD does not settle: it is loss-based ([`limit::Aimd`]:
//! use Gradient2 or Vegas for latency-driven limits; AIMD needs drops or timeouts). The
//! picture below comes from `cargo run --release --example adaptive` (the method, seed and
//! all: `benches/README.md`, "Adaptive bulkhead convergence"); `tests/bulkhead_adaptive.rs`
//! (`convergence_*`) asserts it.
//!
#![doc = include_str!("limit.svg")]
//!
//! # Cost
//! A fixed bulkhead pays nothing for this: its sites keep [`BulkheadPermit`] and the admission
//! they had. An adaptive site's admission adds one clock read; its return, one clock read
//! and the sample under a `try_lock` of the algorithm's mutex (a sample that finds the lock
//! taken is skipped rather than waited for; nothing waits on it), and, when the limit
//! changes, the resize (an `add_permits` or a `forget_permits` on the semaphore).

pub mod limit;
mod permit;

pub use limit::{Limiter, Windowed};
pub use permit::{AdaptivePermit, Admission, Sampling};
use resile_config::BulkheadConfig;

#[allow(unused_imports)] // for the docs
use super::BulkheadPermit;
use super::state::{Ledger, Pool};
use crate::sync::Mutex;

/// An adaptive limit, tokio-free: the algorithm and the resize of the ledger it drives.
///
/// Every resize of an adaptive bulkhead happens under this lock (a sample that changes the
/// limit, a live reconfiguration), which is what [`Ledger::resize`] asks of its callers.
/// `runtime/tests/bulkhead_adaptive_loom.rs` checks it against admissions and returns.
#[derive(Debug)]
pub struct AdaptiveLimit {
    limiter: Mutex<Windowed>,
}

impl AdaptiveLimit {
    /// The adaptive limit `config` asks for (`None` for a fixed bulkhead), starting at
    /// [`BulkheadConfig::initial_limit`]. The bulkhead's ledger and semaphore must start
    /// with that many permits.
    pub fn new(config: &BulkheadConfig) -> Option<Self> {
        let algorithm = config.adaptive?;
        let limiter = Limiter::new(algorithm, config.initial_limit(), config.min_concurrent, config.max_concurrent);
        Some(AdaptiveLimit { limiter: Mutex::new(Windowed::new(limiter)) })
    }

    /// The limit the algorithm wants now (the ledger's limit once the last sample is in).
    pub fn limit(&self) -> u32 {
        self.limiter.lock().unwrap_or_else(|e| e.into_inner()).limit()
    }

    /// Records a sample (see [`Windowed::on_sample`]: the algorithm sees one per window) and
    /// puts a changed limit in force.
    /// Skipped if another sample or a reconfiguration holds the lock.
    pub fn on_sample(
        &self,
        rtt_ns: u64,
        in_flight: u32,
        dropped: bool,
        now_ns: u64,
        ledger: &Ledger,
        pool: &impl Pool,
    ) {
        let mut limiter = match self.limiter.try_lock() {
            Ok(limiter) => limiter,
            Err(_) => return,
        };
        let limit = limiter.on_sample(rtt_ns, in_flight, dropped, now_ns);
        if limit != ledger.limit() {
            ledger.resize(limit, pool);
        }
    }

    /// A live reconfiguration: new bounds (`min_concurrent`, `max_concurrent`), the limit
    /// brought within them and put in force. Waits for the lock.
    pub fn reconfigure(&self, config: &BulkheadConfig, ledger: &Ledger, pool: &impl Pool) {
        let mut limiter = self.limiter.lock().unwrap_or_else(|e| e.into_inner());
        limiter.set_bounds(config.min_concurrent, config.max_concurrent);
        ledger.resize(limiter.limit(), pool);
    }
}
