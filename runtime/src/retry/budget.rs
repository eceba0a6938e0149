//! [`RetryBudget`]: a named budget, shared by every call site that names it, that lets
//! retries be at most `ratio` of first attempts plus `min_per_sec` retries per second, both
//! counted over a sliding `ttl` (the shape of tower's `TpsBudget`).
//!
//! # How it works
//! The `ttl` is split into 10 slots. Each first attempt deposits 1000 units into
//! the current slot; each retry withdraws `DEPOSIT / ratio` units if the live slots plus a
//! reserve of `min_per_sec × ttl` retries hold that much. Slots older than `ttl` are dropped
//! as time moves on, so old traffic stops funding retries.
//!
//! A guarded call does not withdraw outright: it [reserves](RetryBudget::reserve) the retry
//! when it decides on it, and the reservation is [spent](RetryReservation::spend) when the
//! backoff sleep ends and the retry starts, or given back by its `Drop` if the call is
//! cancelled before that (the units go back into the slot they were taken from, unless that
//! slot has expired since or the budget was reconfigured: then they went with the old
//! window). `allowed` counts spent retries only, so a cancelled retry is neither allowed nor
//! denied.
//!
//! # Performance
//! A deposit (one per guarded call, only when a budget is named) is one atomic load of the
//! current slot period and one `fetch_add` when the period is current; moving to a new
//! period takes a short lock once per `ttl / 10`. A reservation (one per retry) takes the
//! lock; spending it is one `fetch_add`, giving it back takes the lock again.
//!
//! # Orderings
//! `period` is read with `Acquire` and published with `Release` after the slots it guards
//! are zeroed, so a depositor that sees the new period deposits into a zeroed slot. The
//! slot counters themselves are `Relaxed`: the budget is a rate estimate, and a deposit that
//! lands a moment late only shifts one unit between neighbouring slots.
//!
//! ```
//! use std::time::Duration;
//! # use resile_runtime as resile;
//! use resile::retry::{RetryBudget, RetryBudgetConfig};
//!
//! let budget = RetryBudget::new("api", RetryBudgetConfig::new().ratio(0.5).min_per_sec(0));
//! let t = Duration::ZERO;
//! budget.deposit(t);
//! budget.deposit(t);
//! assert!(budget.withdraw(t)); // 2 calls fund one retry at ratio 0.5
//! assert!(!budget.withdraw(t));
//! ```

use std::time::Duration;

use crate::sync::{AtomicI64, AtomicU64, Mutex, Ordering, lock};
pub use resile_config::RetryBudgetConfig;

/// Number of slots the `ttl` is divided into.
pub(crate) const SLOTS: usize = 10;
/// Units deposited per first attempt.
pub(crate) const DEPOSIT: i64 = 1000;

/// Retry units one retry costs with `cfg`: the deposit of `1 / ratio` first attempts.
fn withdraw_amount(cfg: &RetryBudgetConfig) -> i64 {
    if cfg.ratio == 0.0 { 1 << 40 } else { (DEPOSIT as f64 / cfg.ratio).ceil() as i64 }
}

/// Retry units always available with `cfg`: `min_per_sec × ttl` retries.
fn reserve(cfg: &RetryBudgetConfig) -> i64 {
    let per_window = i64::from(cfg.min_per_sec).saturating_mul(cfg.ttl.as_secs() as i64);
    per_window.saturating_mul(withdraw_amount(cfg))
}

/// Counters of a [`RetryBudget`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryBudgetStats {
    /// First attempts recorded (deposits).
    pub deposits: u64,
    /// Retries the budget allowed and that went ahead: counted when the backoff sleep ends
    /// and the retry starts. A retry granted and then cancelled during its backoff gives its
    /// reservation back and is not counted (while it sleeps, it is not counted yet but is
    /// taken from `available`).
    pub allowed: u64,
    /// Retries the budget denied.
    pub denied: u64,
    /// Retries the budget would allow right now.
    pub available: f64,
}

impl RetryBudgetStats {
    /// The counters of a budget that does not exist yet.
    pub const EMPTY: RetryBudgetStats = RetryBudgetStats { deposits: 0, allowed: 0, denied: 0, available: 0.0 };
}

/// A retry budget: the tokio-free core, driven with explicit times. Named ones are shared
/// through the registry ([`retry_budget`](super::retry_budget) reads and changes them); a
/// free-standing one can be built with [`RetryBudget::new`].
#[derive(Debug)]
pub struct RetryBudget {
    name: &'static str,
    /// Index of the slot period that `slots[period % SLOTS]` holds.
    period: AtomicU64,
    slots: [AtomicI64; SLOTS],
    slot_nanos: AtomicU64,
    deposits: AtomicU64,
    allowed: AtomicU64,
    denied: AtomicU64,
    /// Bumped by every reconfiguration (under the lock): a reservation from an older epoch
    /// was taken from a window that is gone, so giving it back adds nothing.
    epoch: AtomicU64,
    config: Mutex<RetryBudgetConfig>,
    /// The instant the budget's time counts from, set on first use by the tokio-facing layer.
    origin: std::sync::OnceLock<std::time::Instant>,
}

impl RetryBudget {
    /// A budget named `name` with `config`.
    ///
    /// # Panics
    /// If `config` is invalid (see [`RetryBudgetConfig::validate`]).
    pub fn new(name: &'static str, config: RetryBudgetConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid retry budget `{name}`: {e}");
        }
        RetryBudget {
            name,
            period: AtomicU64::new(0),
            slots: std::array::from_fn(|_| AtomicI64::new(0)),
            slot_nanos: AtomicU64::new(slot_nanos(&config)),
            deposits: AtomicU64::new(0),
            allowed: AtomicU64::new(0),
            denied: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            config: Mutex::new(config),
            origin: std::sync::OnceLock::new(),
        }
    }

    pub(crate) fn origin(&self) -> &std::sync::OnceLock<std::time::Instant> {
        &self.origin
    }

    /// The budget's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The current settings.
    pub fn config(&self) -> RetryBudgetConfig {
        *lock(&self.config)
    }

    /// Replaces the settings (already validated) and starts a fresh window.
    pub(crate) fn replace_config(&self, config: RetryBudgetConfig) {
        let mut cfg = lock(&self.config);
        *cfg = config;
        self.epoch.fetch_add(1, Ordering::Relaxed);
        for slot in &self.slots {
            slot.store(0, Ordering::Relaxed);
        }
        self.slot_nanos.store(slot_nanos(&config), Ordering::Relaxed);
        // Periods are counted in the new slot length from here: start again from 0, so the
        // next deposit rotates to the current period whatever the old one was (a longer
        // `ttl` means smaller period numbers, which would otherwise never pass the old one).
        self.period.store(0, Ordering::Release);
    }

    /// Back to a new budget's state with the settings in force: a fresh window (only the
    /// reserve available) and zero counters.
    pub fn reset(&self) {
        let config = self.config();
        self.replace_config(config);
        for counter in [&self.deposits, &self.allowed, &self.denied] {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// Records a first attempt at time `now` (any monotonic origin, fixed per budget).
    #[inline]
    pub fn deposit(&self, now: Duration) {
        let period = self.period_of(now);
        if period != self.period.load(Ordering::Acquire) {
            self.rotate(period);
        }
        self.slots[(period % SLOTS as u64) as usize].fetch_add(DEPOSIT, Ordering::Relaxed);
        self.deposits.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes one retry from the budget at `now` and spends it at once; `false` when the
    /// budget is exhausted. [`reserve`](Self::reserve) then [`spend`](RetryReservation::spend).
    pub fn withdraw(&self, now: Duration) -> bool {
        self.reserve(now).map(RetryReservation::spend).is_some()
    }

    /// Reserves one retry at `now`: its units leave the budget now, and the reservation
    /// either [spends](RetryReservation::spend) them (the retry starts) or, dropped, gives
    /// them back (the retry never started). `None`, counted as denied, when the budget is
    /// exhausted.
    pub fn reserve(&self, now: Duration) -> Option<RetryReservation<'_>> {
        let period = self.period_of(now);
        let cfg = lock(&self.config);
        self.rotate_locked(period);
        let cost = withdraw_amount(&cfg);
        if self.balance(&cfg) < cost {
            self.denied.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        self.slots[(period % SLOTS as u64) as usize].fetch_sub(cost, Ordering::Relaxed);
        // Orderings: `Relaxed`: the epoch only changes under the lock we hold.
        let epoch = self.epoch.load(Ordering::Relaxed);
        Some(RetryReservation { budget: self, epoch, period, cost })
    }

    /// Gives back the `cost` units a reservation of `epoch` took from the slot of `period`.
    #[cold]
    fn refund(&self, epoch: u64, period: u64, cost: i64) {
        let _cfg = lock(&self.config);
        // A reconfiguration since started a fresh window: the units went with the old one.
        if self.epoch.load(Ordering::Relaxed) != epoch {
            return;
        }
        // The slot has been zeroed for a newer period since: the withdrawal expired with it.
        // (A slot that is due to expire but not yet rotated is zeroed before it is next read.)
        if self.period.load(Ordering::Relaxed) >= period.saturating_add(SLOTS as u64) {
            return;
        }
        self.slots[(period % SLOTS as u64) as usize].fetch_add(cost, Ordering::Relaxed);
    }

    /// Counters and the retries available at `now`.
    pub fn stats_at(&self, now: Duration) -> RetryBudgetStats {
        let cfg = lock(&self.config);
        self.rotate_locked(self.period_of(now));
        RetryBudgetStats {
            deposits: self.deposits.load(Ordering::Relaxed),
            allowed: self.allowed.load(Ordering::Relaxed),
            denied: self.denied.load(Ordering::Relaxed),
            available: (self.balance(&cfg).max(0) / withdraw_amount(&cfg)) as f64,
        }
    }

    fn balance(&self, cfg: &RetryBudgetConfig) -> i64 {
        let live: i64 = self.slots.iter().map(|s| s.load(Ordering::Relaxed)).sum();
        live.saturating_add(reserve(cfg))
    }

    fn period_of(&self, now: Duration) -> u64 {
        (now.as_nanos() / u128::from(self.slot_nanos.load(Ordering::Relaxed).max(1))) as u64
    }

    #[cold]
    fn rotate(&self, period: u64) {
        let _cfg = lock(&self.config);
        self.rotate_locked(period);
    }

    fn rotate_locked(&self, period: u64) {
        let current = self.period.load(Ordering::Acquire);
        if period <= current {
            return;
        }
        let stale = (period - current).min(SLOTS as u64);
        for k in 1..=stale {
            self.slots[((current + k) % SLOTS as u64) as usize].store(0, Ordering::Relaxed);
        }
        self.period.store(period, Ordering::Release);
    }
}

/// One retry taken from a [`RetryBudget`] that has not started yet: from
/// [`RetryBudget::reserve`], held across the backoff sleep. [`spend`](Self::spend) it when
/// the retry starts; dropping it gives the retry back to the budget.
#[must_use = "dropping a reservation gives the retry back to the budget"]
#[derive(Debug)]
pub struct RetryReservation<'a> {
    budget: &'a RetryBudget,
    epoch: u64,
    period: u64,
    cost: i64,
}

impl RetryReservation<'_> {
    /// The retry starts: its units stay spent, and it counts as allowed.
    pub fn spend(self) {
        self.budget.allowed.fetch_add(1, Ordering::Relaxed);
        std::mem::forget(self);
    }
}

impl Drop for RetryReservation<'_> {
    fn drop(&mut self) {
        self.budget.refund(self.epoch, self.period, self.cost);
    }
}

fn slot_nanos(cfg: &RetryBudgetConfig) -> u64 {
    (cfg.ttl.as_nanos() / SLOTS as u128) as u64
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn ratio_bounds_retries() {
        let b = RetryBudget::new("t", RetryBudgetConfig::new().ratio(0.2).min_per_sec(0));
        for _ in 0..100 {
            b.deposit(S(0));
        }
        let allowed = (0..100).filter(|_| b.withdraw(S(0))).count();
        assert_eq!(allowed, 20);
        let st = b.stats_at(S(0));
        assert_eq!((st.deposits, st.allowed, st.denied), (100, 20, 80));
    }

    #[test]
    fn reserve_allows_min_per_sec_without_traffic() {
        let b = RetryBudget::new("t", RetryBudgetConfig::new().ratio(0.0).min_per_sec(2).ttl(S(1)));
        assert_eq!((0..10).filter(|_| b.withdraw(S(0))).count(), 2);
    }

    #[test]
    fn deposits_expire_after_ttl() {
        let b = RetryBudget::new("t", RetryBudgetConfig::new().ratio(1.0).min_per_sec(0).ttl(S(10)));
        for _ in 0..5 {
            b.deposit(S(0));
        }
        assert_eq!(b.stats_at(S(9)).available, 5.0);
        assert_eq!(b.stats_at(S(10)).available, 0.0);
        assert!(!b.withdraw(S(11)));
    }

    #[test]
    fn a_longer_ttl_still_expires_deposits() {
        let b = RetryBudget::new("t", RetryBudgetConfig::new().ratio(1.0).min_per_sec(0).ttl(S(1)));
        b.deposit(S(100));
        b.replace_config(RetryBudgetConfig::new().ratio(1.0).min_per_sec(0).ttl(S(10)));
        for _ in 0..5 {
            b.deposit(S(101));
        }
        assert_eq!(b.stats_at(S(105)).available, 5.0);
        assert_eq!(b.stats_at(S(200)).available, 0.0, "99 s later, past the 10 s ttl");
    }

    /// One retry of reserve (ratio 0, one per second over one second).
    fn one_retry() -> RetryBudget {
        RetryBudget::new("t", RetryBudgetConfig::new().ratio(0.0).min_per_sec(1).ttl(S(1)))
    }

    #[test]
    fn a_dropped_reservation_gives_the_retry_back() {
        let b = one_retry();
        let r = b.reserve(S(0)).expect("the reserve holds one retry");
        assert_eq!(b.stats_at(S(0)).available, 0.0);
        assert!(b.reserve(S(0)).is_none());
        drop(r);
        let st = b.stats_at(S(0));
        assert_eq!((st.allowed, st.denied, st.available), (0, 1, 1.0));
        b.reserve(S(0)).expect("given back").spend();
        let st = b.stats_at(S(0));
        assert_eq!((st.allowed, st.denied, st.available), (1, 1, 0.0));
        assert!(!b.withdraw(S(0)));
    }

    #[test]
    fn a_refund_goes_back_to_its_own_slot() {
        let b = RetryBudget::new("t", RetryBudgetConfig::new().ratio(1.0).min_per_sec(0).ttl(S(10)));
        b.deposit(S(0));
        b.deposit(S(5));
        let r = b.reserve(S(0)).expect("two deposits fund two retries");
        assert_eq!(b.stats_at(S(5)).available, 1.0);
        drop(r);
        assert_eq!(b.stats_at(S(5)).available, 2.0);
        // Slot 0 expires at 10 s: a refund into it then is worth nothing, as its deposit.
        let r = b.reserve(S(6)).expect("two retries");
        let r0 = b.reserve(S(0)).expect("one more");
        assert_eq!(b.stats_at(S(9)).available, 0.0);
        assert_eq!(b.stats_at(S(10)).available, 0.0, "slot 0 (+1000 -1000) is gone");
        drop(r0);
        assert_eq!(b.stats_at(S(10)).available, 0.0, "nothing comes back into an expired slot");
        drop(r);
        assert_eq!(b.stats_at(S(10)).available, 1.0, "slot 6 is live: its retry comes back");
    }

    #[test]
    fn a_refund_after_a_reconfiguration_adds_nothing() {
        let b = one_retry();
        let r = b.reserve(S(0)).expect("one retry");
        b.replace_config(RetryBudgetConfig::new().ratio(0.0).min_per_sec(1).ttl(S(1)));
        assert_eq!(b.stats_at(S(0)).available, 1.0, "a fresh window");
        drop(r);
        assert_eq!(b.stats_at(S(0)).available, 1.0, "not two: the old window took the retry with it");
        assert_eq!(b.stats_at(S(0)).allowed, 0);
    }
}
