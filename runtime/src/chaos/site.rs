//! The tokio-facing injector: [`Chaos`] (a plain value with `call(|| fut)`, and the shared
//! instance of a name), and the call site the `#[chaos]` expansion keeps in a `static`
//! ([`ChaosSite`]).

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::config::ChaosConfig;
use super::state::{self, ChaosError, Outcome, Rates};
use crate::ConfigError;
use crate::faults::{Effect, Incidents, Latency};
use crate::kit::{Site, Swap};
use crate::telemetry::{self, CallSpan, Function, ImplType};

/// The settings one call reads, replaced as a whole by a reconfiguration.
#[derive(Debug)]
struct Settings {
    config: ChaosConfig,
    /// `config.seed`, or the seed the injector drew for itself.
    seed: u64,
    rates: Rates,
    /// The latency distribution that replaces `config.latency`, if one was given.
    distribution: Option<Latency>,
}

impl Settings {
    fn new(config: ChaosConfig, seed: u64, distribution: Option<Latency>) -> Self {
        let rates = Rates {
            error_rate: config.error_rate,
            hang_rate: config.hang_rate,
            latency_rate: config.latency_rate,
            latency: config.latency.is_some() || distribution.is_some(),
        };
        Settings { config, seed, rates, distribution }
    }

    /// The latency of a delayed call: a draw from the distribution (seeded with `sample`),
    /// else the fixed latency.
    fn latency(&self, sample: u64) -> Duration {
        match &self.distribution {
            Some(d) => d.sample(&mut fastrand::Rng::with_seed(sample)),
            None => self.config.latency.unwrap_or_default(),
        }
    }
}

/// Incidents in force, timed from the first call after they were set.
#[derive(Debug)]
struct Timed {
    incidents: Incidents,
    epoch: OnceLock<Instant>,
}

/// What a chaos injector has done since it was created (or reset): every count is of calls
/// drawn while it was enabled, counted when the fault is drawn (a call dropped during its
/// injected latency or its hang is counted).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChaosStats {
    /// Calls that drew their faults (calls while disabled are not counted).
    pub calls: u64,
    /// Calls failed with [`ChaosError::Failed`].
    pub errors: u64,
    /// Calls failed with [`ChaosError::Outage`] (an outage incident).
    pub outages: u64,
    /// Calls made to hang.
    pub hangs: u64,
    /// Calls given the injected latency.
    pub latencies: u64,
}

/// A fault injector: makes a fraction of the calls through it fail, hang or slow down, on
/// tokio's clock, deterministically with a seed. What `#[chaos]` expands into, and usable
/// as a plain value; see the [module docs](super) for the semantics.
///
/// ```
/// # use resile_runtime as resile;
/// use std::time::Duration;
/// use resile::chaos::{Chaos, ChaosConfig, ChaosError};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let chaos = Chaos::new(ChaosConfig::new().error_rate(1.0).latency(Duration::from_millis(20)).seed(1));
/// let start = tokio::time::Instant::now();
/// let r: Result<(), ChaosError> = chaos.call(|| async { Ok(()) }).await;
/// assert_eq!(r, Err(ChaosError::Failed));
/// assert_eq!(start.elapsed(), Duration::from_millis(20));
/// assert_eq!(chaos.stats().errors, 1);
/// # }
/// ```
pub struct Chaos {
    name: Option<&'static str>,
    settings: Swap<Settings>,
    enabled: AtomicBool,
    /// Calls drawn: the next call's number.
    calls: AtomicU64,
    errors: AtomicU64,
    outages: AtomicU64,
    hangs: AtomicU64,
    latencies: AtomicU64,
    /// Whether `incidents` holds any: one load on the call path when none.
    has_incidents: AtomicBool,
    incidents: Swap<Option<Timed>>,
}

impl fmt::Debug for Chaos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chaos")
            .field("name", &self.name)
            .field("config", &self.settings.load().config)
            .field("enabled", &self.is_enabled())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Chaos {
    /// An injector with `config`, enabled. Without a `seed` in `config`, it seeds itself
    /// once from a random number.
    ///
    /// # Panics
    /// If `config` is invalid ([`ChaosConfig::validate`]).
    pub fn new(config: ChaosConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid chaos config: {e}");
        }
        Chaos::with_name(None, config)
    }

    pub(super) fn with_name(name: Option<&'static str>, config: ChaosConfig) -> Self {
        let seed = config.seed.unwrap_or_else(|| fastrand::u64(..));
        Chaos {
            name,
            settings: Swap::new(Settings::new(config, seed, None)),
            enabled: AtomicBool::new(true),
            calls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            outages: AtomicU64::new(0),
            hangs: AtomicU64::new(0),
            latencies: AtomicU64::new(0),
            has_incidents: AtomicBool::new(false),
            incidents: Swap::new(None),
        }
    }

    /// Draws each delayed call's latency from `latency` rather than sleeping the fixed
    /// `latency` of the config (a delayed call is still decided by `latency_rate`; with
    /// this set, `latency` need not be).
    pub fn latency_distribution(self, latency: Latency) -> Self {
        let s = self.settings.load();
        self.settings.store(Settings::new(s.config, s.seed, Some(latency)));
        self
    }

    /// Puts `incidents` in force ([`set_incidents`](Self::set_incidents)).
    pub fn incidents(self, incidents: Incidents) -> Self {
        self.set_incidents(incidents);
        self
    }

    /// Puts `incidents` in force, replacing those before. Their windows are timed from the
    /// first call after this one (time zero), on tokio's clock. An empty set removes them.
    /// Each call costs, while incidents are set, one pass over them.
    pub fn set_incidents(&self, incidents: Incidents) {
        let empty = incidents.iter().next().is_none();
        self.incidents.store(if empty { None } else { Some(Timed { incidents, epoch: OnceLock::new() }) });
        // Orderings: `Release` after the store, paired with the `Acquire` load in `effect`:
        // a call that sees the flag sees the incidents.
        self.has_incidents.store(!empty, Ordering::Release);
    }

    /// Turns injection on or off. Off, calls go straight to the body (one load), and are
    /// not counted.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    /// Whether it injects.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// The settings in force.
    pub fn config(&self) -> ChaosConfig {
        self.settings.load().config
    }

    /// Puts `config` in force for the calls that start after it; calls already running
    /// keep what they drew. The call count continues, so a seeded injector does not replay
    /// its first faults; without a `seed` in `config`, the seed in use stays.
    ///
    /// # Errors
    /// The rule `config` breaks, naming its key; the settings in force stay.
    pub fn reconfigure(&self, config: ChaosConfig) -> Result<(), ConfigError> {
        config.validate()?;
        self.replace(config);
        Ok(())
    }

    pub(super) fn replace(&self, config: ChaosConfig) {
        let s = self.settings.load();
        self.settings.store(Settings::new(config, config.seed.unwrap_or(s.seed), s.distribution.clone()));
    }

    /// The counts since it was created or reset.
    pub fn stats(&self) -> ChaosStats {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ChaosStats {
            calls: load(&self.calls),
            errors: load(&self.errors),
            outages: load(&self.outages),
            hangs: load(&self.hangs),
            latencies: load(&self.latencies),
        }
    }

    /// Zero counts (so a seeded injector replays its faults from the first), and incidents
    /// timed again from the next call; settings stay.
    pub fn reset(&self) {
        for a in [&self.calls, &self.errors, &self.outages, &self.hangs, &self.latencies] {
            a.store(0, Ordering::Relaxed);
        }
        if let Some(timed) = self.incidents.load() {
            self.set_incidents(timed.incidents.clone());
        }
    }

    /// The instance's name; `None` for an unnamed injector.
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// Runs `op()` through the injector: it may sleep first, fail with
    /// `E::from(ChaosError)` without running `op`, never complete, or run it (slowed down
    /// during a slowdown incident).
    pub async fn call<T, E, F, Fut>(&self, op: F) -> Result<T, E>
    where
        E: From<ChaosError>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.run(CallSpan::detached(), || Function::free("resile::chaos::Chaos"), E::from, op).await
    }

    /// What the incidents in force do to a call starting now; `None` without incidents.
    #[inline]
    fn effect(&self) -> Option<Effect> {
        if !self.has_incidents.load(Ordering::Acquire) {
            return None;
        }
        self.effect_slow()
    }

    #[cold]
    #[inline(never)]
    fn effect_slow(&self) -> Option<Effect> {
        let timed = self.incidents.load().as_ref()?;
        let now = Instant::now();
        let epoch = *timed.epoch.get_or_init(|| now);
        Some(timed.incidents.at(now.saturating_duration_since(epoch)))
    }

    /// One call: draw, inject, or run `op()`. `function` names the guarded function for
    /// telemetry (built only when an event is written), `error` makes the caller's error.
    pub(crate) async fn run<T, E, F, Fut>(
        &self,
        span: &CallSpan,
        function: impl Fn() -> Function + Copy,
        error: impl FnOnce(ChaosError) -> E,
        op: F,
    ) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if !self.is_enabled() || crate::config::switch::all_off() {
            return op().await;
        }
        let settings = self.settings.load();
        // Orderings: `Relaxed`: the counter only numbers the calls; nothing is published
        // through it.
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        let draws = state::draws(settings.seed, n);
        let effect = self.effect();
        let decision = state::decide(&settings.rates, effect.as_ref(), &draws);
        if decision.delayed {
            let latency = settings.latency(draws.sample());
            self.count(&self.latencies, span, function, "latency", Some(latency));
            tokio::time::sleep(latency).await;
        }
        match decision.outcome {
            Outcome::Run => match effect {
                Some(e) if e.latency_factor > 1.0 => {
                    let start = Instant::now();
                    let result = op().await;
                    tokio::time::sleep(state::slowdown(e.latency_factor, start.elapsed())).await;
                    result
                }
                _ => op().await,
            },
            Outcome::Fail(kind) => {
                let (counter, fault) = match kind {
                    ChaosError::Outage => (&self.outages, "outage"),
                    ChaosError::Failed => (&self.errors, "error"),
                };
                self.count(counter, span, function, fault, None);
                Err(error(kind))
            }
            Outcome::Hang => {
                self.count(&self.hangs, span, function, "hang", None);
                std::future::pending().await
            }
        }
    }

    /// Counts an injection of `fault` and reports it.
    #[cold]
    #[inline(never)]
    fn count(
        &self,
        counter: &AtomicU64,
        span: &CallSpan,
        function: impl FnOnce() -> Function,
        fault: &'static str,
        latency: Option<Duration>,
    ) {
        counter.fetch_add(1, Ordering::Relaxed);
        telemetry::chaos_injected(span, function, self.name, fault, latency);
    }
}

/// Turns an injected failure into the caller's error: the bound names `#[chaos]` when `E`
/// lacks `From<ChaosError>`. Used by the attribute's expansion.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[chaos]` needs the error type `{Self}` to implement `From<resile::chaos::ChaosError>`",
    label = "`#[chaos]` returns its injected failures through this error type",
    note = "add `impl From<resile::chaos::ChaosError> for {Self}`, or give the error to inject with `#[chaos(error = ..)]`"
)]
pub trait AcceptsChaosError {
    /// Converts the injected failure into this error type.
    fn from_chaos(error: ChaosError) -> Self;
}

#[diagnostic::do_not_recommend]
impl<E: From<ChaosError>> AcceptsChaosError for E {
    #[inline]
    fn from_chaos(error: ChaosError) -> Self {
        E::from(error)
    }
}

/// The default injected error of `#[chaos]`: `E::from(error)`.
#[doc(hidden)]
#[inline]
pub fn inject<E: AcceptsChaosError>(error: ChaosError) -> E {
    E::from_chaos(error)
}

/// One `#[chaos]` call site: its settings and the injector it uses, its own (created at its
/// first call) or, with a `name`, the shared instance of that name.
pub struct ChaosSite {
    function: &'static str,
    config: ChaosConfig,
    named: Option<Site<Chaos>>,
    own: OnceLock<Chaos>,
}

impl fmt::Debug for ChaosSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChaosSite")
            .field("function", &self.function)
            .field("config", &self.config)
            .field("name", &self.named.as_ref().map(Site::name))
            .finish_non_exhaustive()
    }
}

impl ChaosSite {
    /// A call site of `function` with an injector of its own, with `config` (checked by the
    /// caller: the attribute checks it at compile time).
    pub const fn new(function: &'static str, config: ChaosConfig) -> Self {
        ChaosSite { function, config, named: None, own: OnceLock::new() }
    }

    /// A call site of `function` that declares the shared injector `name` with `config`.
    pub const fn declaring(function: &'static str, name: &'static str, config: ChaosConfig) -> Self {
        ChaosSite { function, config, named: Some(Site::declaring(function, name, config)), own: OnceLock::new() }
    }

    /// A call site of `function` that uses the shared injector `name` as it is configured
    /// elsewhere (or, until then, injecting nothing).
    pub const fn reference(function: &'static str, name: &'static str) -> Self {
        let config = ChaosConfig::new();
        ChaosSite { function, config, named: Some(Site::reference(function, name)), own: OnceLock::new() }
    }

    /// The injector: the shared instance (one load once resolved), or its own (created,
    /// once, at the first call).
    #[inline]
    pub fn instance(&'static self) -> &'static Chaos {
        match &self.named {
            Some(site) => site.get(),
            None => self.own.get_or_init(|| Chaos::with_name(None, self.config)),
        }
    }

    /// Runs `fut` through the injector; `error` makes the caller's error from an injected
    /// failure (evaluated only then). Events go to `span`, the function named with
    /// `impl_type`.
    #[inline]
    pub fn run<'a, T, E, F, S, X>(
        &'static self,
        span: &'a CallSpan,
        impl_type: S,
        error: X,
        fut: F,
    ) -> impl Future<Output = Result<T, E>> + 'a
    where
        F: Future<Output = Result<T, E>> + 'a,
        S: ImplType + 'a,
        X: FnOnce(ChaosError) -> E + 'a,
        T: 'a,
        E: 'a,
    {
        let function = self.function;
        self.instance().run(span, move || impl_type.function(function), error, || fut)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::telemetry::Free;
    use std::task::{Context, Poll, Waker};

    #[tokio::test(start_paused = true)]
    async fn a_call_dropped_during_its_latency_or_its_hang_leaves_nothing_pending() {
        static SITE: ChaosSite = ChaosSite::new(
            "site-test",
            ChaosConfig::new().hang_rate(1.0).latency(Duration::from_millis(50)).latency_rate(1.0).seed(1),
        );
        let mut cx = Context::from_waker(Waker::noop());
        {
            let mut hang = std::pin::pin!(SITE.run(CallSpan::detached(), Free, |_| (), async { Ok::<(), ()>(()) }));
            assert_eq!(hang.as_mut().poll(&mut cx), Poll::Pending);
            tokio::time::advance(Duration::from_secs(3600)).await;
            assert_eq!(hang.as_mut().poll(&mut cx), Poll::Pending);
        }
        let stats = SITE.instance().stats();
        assert_eq!((stats.calls, stats.hangs, stats.latencies), (1, 1, 0), "a hang is not delayed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_latency_distribution_replaces_the_fixed_latency_and_repeats_with_the_seed() {
        let ms = Duration::from_millis;
        let make = || {
            Chaos::new(ChaosConfig::new().latency(ms(1)).latency_rate(1.0).seed(5))
                .latency_distribution(Latency::uniform(ms(100), ms(200)))
        };
        let (a, b) = (make(), make());
        let mut seen = Vec::new();
        for _ in 0..200 {
            let start = Instant::now();
            let r: Result<(), ChaosError> = a.call(|| async { Ok(()) }).await;
            assert_eq!(r, Ok(()));
            let took = start.elapsed();
            assert!((ms(100)..=ms(200)).contains(&took), "{took:?}");
            seen.push(took);
        }
        for expected in &seen {
            let start = Instant::now();
            let _: Result<(), ChaosError> = b.call(|| async { Ok(()) }).await;
            assert_eq!(start.elapsed(), *expected, "the same seed, the same latencies");
        }
        assert!(seen.iter().any(|d| *d < ms(120)) && seen.iter().any(|d| *d > ms(180)));
        assert_eq!(a.stats().latencies, 200);
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_burst_adds_to_the_error_rate_as_an_independent_cause() {
        use crate::faults::{Incident, Incidents};
        let s = Duration::from_secs;
        let chaos = Chaos::new(ChaosConfig::new().error_rate(0.5).seed(11))
            .incidents(Incidents::new().with(Incident::error_burst(s(0), s(1), 0.5)));
        let mut failed = 0u32;
        for _ in 0..4000 {
            let r: Result<(), ChaosError> = chaos.call(|| async { Ok(()) }).await;
            failed += u32::from(r.is_err());
        }
        // 1 - (1 - 0.5)(1 - 0.5) while the burst lasts (no time passes).
        assert!((2850..3150).contains(&failed), "{failed}");
        tokio::time::advance(s(2)).await;
        let mut failed = 0u32;
        for _ in 0..4000 {
            let r: Result<(), ChaosError> = chaos.call(|| async { Ok(()) }).await;
            failed += u32::from(r.is_err());
        }
        assert!((1850..2150).contains(&failed), "after the burst, the error rate alone: {failed}");
    }
}
