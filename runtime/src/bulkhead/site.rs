//! The tokio-facing bulkhead: [`Bulkhead`] (tokio's `Semaphore` and the [`Ledger`]
//! beside it), the [`BulkheadPermit`] a running call holds, the call site a `#[bulkhead]`
//! expansion keeps in a `static` ([`BulkheadSite`]), and the plain value's
//! `call(|| fut)`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::adaptive::{AdaptiveLimit, AdaptivePermit};
use super::config::BulkheadConfig;
use super::state::{Ledger, Pool};
use crate::kit::{InstanceKey, KeyGuard, KeyedSite, Site, Swap};
use crate::telemetry::{self, CallSpan, Event, Function, ImplType};
use crate::{Policy, Rejection};

/// The numbers of a bulkhead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BulkheadStats {
    /// `max_concurrent` in force: the permits, the sum of the weights that may run at once.
    pub max_concurrent: u32,
    /// The weights held by running calls. Just after a shrink it may exceed
    /// `max_concurrent`: running calls keep their permits.
    pub in_use: u32,
    /// The calls waiting in the queue for their permits.
    pub waiting: u32,
    /// The limit in force: the permits that may be held now. An adaptive bulkhead's
    /// (`adaptive = ..`) moves within `min_concurrent..=max_concurrent`, `max_concurrent`
    /// being its ceiling; a fixed bulkhead's is `max_concurrent`.
    pub limit: u32,
}

impl BulkheadStats {
    /// The stats of a bulkhead that does not exist: all zero.
    pub const EMPTY: BulkheadStats = BulkheadStats { max_concurrent: 0, in_use: 0, waiting: 0, limit: 0 };
}

/// A bulkhead: a weighted FIFO semaphore of `max_concurrent` permits, with a name for
/// rejections and telemetry. See the [module docs](super).
///
/// A plain value ([`Bulkhead::new`]) guards what shares it; [`Bulkhead::named`] is the
/// process-wide instance of a name, shared with every `#[bulkhead(name = ..)]` site.
pub struct Bulkhead {
    name: &'static str,
    pub(super) semaphore: Semaphore,
    pub(super) ledger: Ledger,
    config: Swap<BulkheadConfig>,
    /// The adaptive limit (`adaptive = ..`), `None` for a fixed bulkhead.
    pub(super) adaptive: Option<Box<AdaptiveLimit>>,
    /// The origin of the samples' `now_ns` (an adaptive bulkhead's).
    pub(super) epoch: tokio::time::Instant,
    /// The largest `weight` of the call sites that resolved to this bulkhead, which live
    /// configuration may not lower `max_concurrent` below (read at an operator's pace only).
    heaviest_site: std::sync::atomic::AtomicU32,
    /// The `resile_bulkhead_in_use` and `resile_bulkhead_waiting` gauges.
    #[cfg(feature = "metrics")]
    gauges: crate::telemetry::metrics::Cached<crate::telemetry::metrics::BulkheadGauges>,
}

impl fmt::Debug for Bulkhead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bulkhead").field("name", &self.name).field("stats", &self.stats()).finish_non_exhaustive()
    }
}

impl Pool for Semaphore {
    #[inline]
    fn add(&self, n: u32) {
        self.add_permits(n as usize);
    }
    fn forget_free(&self, n: u32) -> u32 {
        // At most `n`, which is a `u32`.
        self.forget_permits(n as usize) as u32
    }
}

impl Bulkhead {
    /// A bulkhead named `name` (for rejections and telemetry) that is not shared through
    /// the registry; use [`Bulkhead::named`] for that. Its calls take `config.weight`
    /// permits and wait up to `config.max_wait`.
    ///
    /// # Panics
    /// If `config` is invalid (see [`BulkheadConfig::validate`]).
    pub fn new(name: &'static str, config: BulkheadConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid bulkhead config for `{name}`: {e}");
        }
        Bulkhead::create(name, config)
    }

    /// A bulkhead with `config` (already validated).
    pub(super) fn create(name: &'static str, config: BulkheadConfig) -> Self {
        let adaptive = AdaptiveLimit::new(&config).map(Box::new);
        let limit = if adaptive.is_some() { config.initial_limit() } else { config.max_concurrent };
        Bulkhead {
            name,
            semaphore: Semaphore::new(limit as usize),
            ledger: Ledger::new(limit),
            config: Swap::new(config),
            adaptive,
            epoch: tokio::time::Instant::now(),
            heaviest_site: std::sync::atomic::AtomicU32::new(0),
            #[cfg(feature = "metrics")]
            gauges: crate::telemetry::metrics::Cached::new(),
        }
    }

    /// Records that a call site taking `weight` permits per call uses this bulkhead.
    pub(super) fn site_weight(&self, weight: u32) {
        self.heaviest_site.fetch_max(weight, std::sync::atomic::Ordering::Relaxed);
    }

    /// The largest `weight` of the call sites that use this bulkhead (0 before any).
    pub(super) fn heaviest_site(&self) -> u32 {
        self.heaviest_site.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets the gauges of `in_use` and `waiting` (cargo feature `metrics`): wherever either
    /// changes, so they are exact at every instant.
    #[inline(always)]
    fn changed(&self) {
        #[cfg(feature = "metrics")]
        crate::telemetry::metrics::bulkhead(&self.gauges, self.name, self.ledger.in_use(), self.ledger.waiting());
    }

    /// The name.
    #[inline]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The settings in force: `max_concurrent` is the bulkhead's; `max_wait` and `weight`
    /// are what [`call`](Self::call) uses (for a named bulkhead, its first declaration's).
    pub fn config(&self) -> BulkheadConfig {
        *self.config.load()
    }

    /// `max_concurrent` in force, the weights held by running calls, the calls waiting.
    /// Each is exact when read; read together while calls come and go, they may be from
    /// instants a few instructions apart.
    pub fn stats(&self) -> BulkheadStats {
        let limit = self.ledger.limit();
        let max_concurrent = if self.adaptive.is_some() { self.config.load().max_concurrent } else { limit };
        BulkheadStats { max_concurrent, in_use: self.ledger.in_use(), waiting: self.ledger.waiting(), limit }
    }

    /// Puts `config` (already validated) in force: `max_concurrent` at once (growing adds
    /// permits, to the head of the queue first; shrinking takes free permits back at once
    /// and the others as running calls return them; running calls keep theirs), `max_wait`
    /// and `weight` for the calls of [`call`](Self::call) that start afterwards.
    /// Reconfigurations of one bulkhead must not run concurrently; the registry (and so
    /// [`BulkheadHandle::reconfigure`](crate::kit::Handle::reconfigure)) makes them under a lock.
    pub(super) fn apply(&self, config: BulkheadConfig) {
        self.config.store(config);
        match &self.adaptive {
            // The bounds move; the limit stays where the algorithm put it, within them.
            Some(adaptive) => adaptive.reconfigure(&config, &self.ledger, &self.semaphore),
            None => self.ledger.resize(config.max_concurrent, &self.semaphore),
        }
    }

    /// `weight` permits now, if they are free and nobody is queued before this call.
    ///
    /// One `try_acquire_many` on the semaphore and one `Relaxed` `fetch_add`; no clock read,
    /// no allocation. tokio gives a returned permit to the head of the queue first, so a
    /// call that does not wait never overtakes one that does.
    ///
    /// Turned off (`enabled = false` for this bulkhead, or `resile::config::set_enabled(false)`):
    /// a permit of no weight, at once; the check is one `Relaxed` load while everything is on.
    ///
    /// The permit takes no latency sample: an adaptive bulkhead learns from
    /// [`try_acquire_sampled`](Self::try_acquire_sampled), [`acquire_sampled`](Self::acquire_sampled)
    /// and [`call`](Self::call).
    #[inline]
    pub fn try_acquire(&self, weight: u32) -> Option<BulkheadPermit<'_>> {
        if crate::config::switch::bypassed(self) {
            return Some(BulkheadPermit { bulkhead: self, weight: 0 });
        }
        match self.semaphore.try_acquire_many(weight) {
            Ok(permit) => {
                permit.forget();
                self.ledger.admitted(weight);
                self.changed();
                Some(BulkheadPermit { bulkhead: self, weight })
            }
            Err(_) => None,
        }
    }

    /// `weight` permits, waiting in the FIFO queue for at most `max_wait` (tokio's clock) if
    /// they are not free now; else `Rejection::BulkheadFull`, reported to telemetry as a
    /// rejection of `function` in `span`.
    ///
    /// A call heavier than `max_concurrent` in force (possible after a shrink) is refused at
    /// once rather than holding the queue up for `max_wait`. tokio's timer counts in whole
    /// milliseconds: a `max_wait` is rounded up to the next millisecond.
    ///
    /// The permit takes no latency sample; see [`acquire_sampled`](Self::acquire_sampled).
    #[inline]
    pub async fn acquire(
        &self,
        weight: u32,
        max_wait: Duration,
        span: &CallSpan,
        function: Function,
    ) -> Result<BulkheadPermit<'_>, Rejection> {
        match self.try_acquire(weight) {
            Some(permit) => Ok(permit),
            // Boxed for the reason given in `BulkheadSite::call`.
            None => Box::pin(self.wait(weight, max_wait, span, function)).await,
        }
    }

    /// The wait path: only when the permits were not free.
    async fn wait(
        &self,
        weight: u32,
        max_wait: Duration,
        span: &CallSpan,
        function: Function,
    ) -> Result<BulkheadPermit<'_>, Rejection> {
        if max_wait.is_zero() || weight > self.ledger.limit() {
            return Err(self.full(span, function));
        }
        // Counted out when dropped: admitted, timed out, or the call cancelled here.
        // Sets the gauges when the wait ends, however it ends (declared first, dropped last,
        // after the ticket).
        let _gauges = Changed(self);
        let ticket = self.ledger.wait();
        self.changed();
        let start = tokio::time::Instant::now();
        match tokio::time::timeout(max_wait, self.semaphore.acquire_many(weight)).await {
            Ok(Ok(permit)) => {
                permit.forget();
                self.ledger.admitted(weight);
                drop(ticket);
                let permit = BulkheadPermit { bulkhead: self, weight };
                telemetry::emit_in(
                    span,
                    function,
                    Event::BulkheadWait { function, name: self.name, waited: start.elapsed() },
                );
                Ok(permit)
            }
            // `Err(AcquireError)`: the semaphore is never closed.
            Ok(Err(_)) | Err(_) => {
                drop(ticket);
                // Permits tokio had set aside for this waiter went back to the queue; a
                // shrink still owed may take them.
                if self.ledger.debt() > 0 {
                    self.ledger.settle(&self.semaphore);
                }
                Err(self.full(span, function))
            }
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn full(&self, span: &CallSpan, function: Function) -> Rejection {
        telemetry::rejected(span, || function, "bulkhead", Some(self.name), Rejection::BulkheadFull { name: self.name })
    }

    /// Runs `op()` with `config().weight` permits, waiting up to `config().max_wait` for
    /// them, or returns `E::from(Rejection::BulkheadFull { name })`. The permits return when
    /// the call ends, fails, panics or is dropped.
    pub async fn call<T, E, F, Fut>(&self, op: F) -> Result<T, E>
    where
        E: From<Rejection>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let config = self.config.load();
        let _permit = match self
            .acquire(config.weight, config.max_wait, CallSpan::detached(), Function::free("resile::Bulkhead"))
            .await
        {
            // The latency sample of an adaptive bulkhead is taken when it drops.
            Ok(permit) => AdaptivePermit::new(permit),
            Err(rejection) => return Err(E::from(rejection)),
        };
        op().await
    }
}

impl<E: From<Rejection>> Policy<E> for Bulkhead {
    fn call<T, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        Bulkhead::call(self, op)
    }
}

/// Sets a bulkhead's gauges when dropped.
struct Changed<'a>(&'a Bulkhead);

impl Drop for Changed<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.changed();
    }
}

/// The permits of one admitted call: dropping it returns them (to the waiter at the head
/// of the queue first), whether the call succeeded, failed, panicked or was cancelled.
///
/// Two words; its drop is one `Relaxed` `fetch_sub`, one `Relaxed` load (of what a shrink
/// still owes) and tokio's `add_permits` (the semaphore's mutex).
#[must_use = "the permits return when this is dropped"]
pub struct BulkheadPermit<'a> {
    pub(super) bulkhead: &'a Bulkhead,
    pub(super) weight: u32,
}

impl BulkheadPermit<'_> {
    /// The permits held.
    #[inline]
    pub fn weight(&self) -> u32 {
        self.weight
    }
}

impl fmt::Debug for BulkheadPermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkheadPermit").field("bulkhead", &self.bulkhead.name).field("weight", &self.weight).finish()
    }
}

impl Drop for BulkheadPermit<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.weight == 0 {
            return; // a call that passed a bulkhead turned off
        }
        self.bulkhead.ledger.returned(self.weight, &self.bulkhead.semaphore);
        self.bulkhead.changed();
    }
}

/// One `#[bulkhead]` call site: the named bulkhead it declares (resolved once) and its
/// own `weight` and `max_wait`. The expansion keeps one in a `static`.
#[derive(Debug)]
pub struct BulkheadSite {
    site: Site<Bulkhead>,
    weight: u32,
    max_wait: Duration,
}

impl BulkheadSite {
    /// The call site in `function` that declares the bulkhead `name` with `config`
    /// (checked by the caller: the attribute checks it at compile time). Sites that share
    /// `name` share `max_concurrent` (the declaration rule of
    /// [`Registry`](crate::kit::Registry)) and keep their own `weight` and `max_wait`.
    pub const fn new(function: &'static str, name: &'static str, config: BulkheadConfig) -> Self {
        BulkheadSite { site: Site::declaring(function, name, config), weight: config.weight, max_wait: config.max_wait }
    }

    /// The shared bulkhead: one `Acquire` load once resolved.
    ///
    /// # Panics
    /// On first use, in debug builds, if this site declares another `max_concurrent` than
    /// an earlier declaration of the name.
    #[inline]
    pub fn bulkhead(&self) -> &'static Bulkhead {
        self.site.get()
    }

    /// The fast path of admission, synchronous: this site's `weight` permits if they are
    /// free now (see [`Bulkhead::try_acquire`]); `None`: call [`wait`](Self::wait).
    #[inline(always)]
    pub fn try_admit(&self) -> Option<BulkheadPermit<'static>> {
        self.site.get().try_acquire(self.weight)
    }

    /// The slow path of admission, after [`try_admit`](Self::try_admit) found no free
    /// permits: waits for them up to this site's `max_wait`, or refuses at once when it is
    /// zero; the rejection (or the wait) is reported as an event of `span`, the function
    /// named with `impl_type` (zero-sized).
    ///
    /// Boxed: the wait (a timer and a queue entry, hundreds of bytes) stays out of the
    /// caller's future, which every call initialises and moves; measured, keeping it inline
    /// cost every successful call a ~150-instruction memcpy. Only a call that must wait
    /// allocates. A site whose `max_wait` is zero calls [`refuse`](Self::refuse) instead.
    #[inline]
    pub fn wait<'a>(
        &'a self,
        span: &'a CallSpan,
        impl_type: impl ImplType + 'a,
    ) -> Pin<Box<impl Future<Output = Result<BulkheadPermit<'static>, Rejection>> + 'a>> {
        Box::pin(self.wait_inline(span, impl_type))
    }

    /// The wait of [`wait`](Self::wait), not boxed: for the admissions that box their own.
    pub(super) async fn wait_inline(
        &self,
        span: &CallSpan,
        impl_type: impl ImplType,
    ) -> Result<BulkheadPermit<'static>, Rejection> {
        let function = impl_type.function(self.site.function());
        self.site.get().wait(self.weight, self.max_wait, span, function).await
    }

    /// The refusal of a call that found no free permits at a site whose `max_wait` is zero:
    /// `BulkheadFull`, reported as an event of `span`. Synchronous, no allocation.
    #[cold]
    #[inline(never)]
    pub fn refuse(&self, span: &CallSpan, impl_type: impl ImplType) -> Rejection {
        self.site.get().full(span, impl_type.function(self.site.function()))
    }

    /// Runs `op()` under the bulkhead: admission (fast path, else the wait), then one
    /// `.await` of the call holding the permits; a refusal is `reject(BulkheadFull)`.
    /// What the `#[bulkhead]` expansion writes inline, as a method.
    #[inline(always)]
    pub async fn call<T, E, F, Fut>(
        &self,
        span: &CallSpan,
        impl_type: impl ImplType,
        reject: fn(Rejection) -> E,
        op: F,
    ) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let _permit = match self.try_admit() {
            Some(permit) => permit,
            None => match self.wait(span, impl_type).await {
                Ok(permit) => permit,
                Err(rejection) => return Err(reject(rejection)),
            },
        };
        op().await
    }
}

/// One `#[bulkhead(key = ..)]` call site: a bulkhead of its own per key value under the
/// name, each with the name's `max_concurrent`, and this site's `weight` and
/// `max_wait`. A full key does not hold up another. The expansion keeps one in a `static`.
#[derive(Debug)]
pub struct KeyedBulkheadSite {
    keyed: KeyedSite<Bulkhead>,
    weight: u32,
    max_wait: Duration,
}

impl KeyedBulkheadSite {
    /// The keyed call site in `function` that declares the bulkhead `name` with `config`
    /// (as [`BulkheadSite::new`]) and keeps at most `max_keys` keys.
    pub const fn new(function: &'static str, name: &'static str, config: BulkheadConfig, max_keys: usize) -> Self {
        KeyedBulkheadSite {
            keyed: KeyedSite::new(Site::declaring(function, name, config), max_keys),
            weight: config.weight,
            max_wait: config.max_wait,
        }
    }

    /// The bulkhead of `key`, held for the call (see [`KeyedSite::instance`]).
    #[inline(always)]
    pub fn instance<Q: ?Sized + InstanceKey>(&'static self, key: &Q) -> KeyGuard<Bulkhead> {
        self.keyed.instance(key)
    }

    /// The fast path of admission on `bulkhead`, the key's: as [`BulkheadSite::try_admit`].
    /// Turned off for the name (`enabled = false`, or `bulkhead(name).disable()`): a permit
    /// of no weight, at once.
    #[inline(always)]
    pub fn try_admit<'a>(&self, bulkhead: &'a KeyGuard<Bulkhead>) -> Option<BulkheadPermit<'a>> {
        if crate::config::switch::bypassed(self.keyed.base()) {
            return Some(BulkheadPermit { bulkhead, weight: 0 });
        }
        bulkhead.try_acquire(self.weight)
    }

    /// The slow path of admission on `bulkhead`, the key's: as [`BulkheadSite::wait`].
    #[inline]
    pub fn wait<'a>(
        &'a self,
        bulkhead: &'a Bulkhead,
        span: &'a CallSpan,
        impl_type: impl ImplType + 'a,
    ) -> Pin<Box<impl Future<Output = Result<BulkheadPermit<'a>, Rejection>> + 'a>> {
        Box::pin(async move {
            let function = impl_type.function(self.keyed.site().function());
            bulkhead.wait(self.weight, self.max_wait, span, function).await
        })
    }

    /// The refusal at a site whose `max_wait` is zero: as [`BulkheadSite::refuse`].
    #[cold]
    #[inline(never)]
    pub fn refuse(&self, bulkhead: &Bulkhead, span: &CallSpan, impl_type: impl ImplType) -> Rejection {
        bulkhead.full(span, impl_type.function(self.keyed.site().function()))
    }
}
