//! Named bulkheads: the registry, [`NamedPolicy`] for [`Bulkhead`], and
//! [`BulkheadHandle`] for operators.

use super::config::BulkheadConfig;
use super::site::{Bulkhead, BulkheadStats};
use crate::ConfigError;
use crate::kit::{Handle, NamedPolicy, Registry};

static BULKHEADS: Registry<Bulkhead> = Registry::new();

impl NamedPolicy for Bulkhead {
    const KIND: &'static str = "bulkhead";
    type Config = BulkheadConfig;

    fn registry() -> &'static Registry<Self> {
        &BULKHEADS
    }
    /// `max_concurrent` has no default: every `#[bulkhead]` declares it. A bulkhead that is
    /// referred to before any declaration (only possible without the attribute) admits one
    /// call at a time until its declaration is seen: the safe side of a missing limit.
    fn default_config() -> BulkheadConfig {
        BulkheadConfig::new(1)
    }
    fn validate(config: &BulkheadConfig) -> Result<(), ConfigError> {
        config.validate()
    }
    fn create(name: &'static str, config: BulkheadConfig) -> Self {
        Bulkhead::create(name, config)
    }
    fn config(&self) -> BulkheadConfig {
        Bulkhead::config(self)
    }
    fn reconfigure(&self, config: BulkheadConfig) {
        self.apply(config);
    }
    /// Nothing to do: a bulkhead keeps no history. Its state is the permits that running
    /// calls hold and the calls queued for them, which belong to those calls: they come
    /// back when the calls end, and no reset can take them away.
    fn reset(&self) {}
    /// Records the site's `weight`, which live settings' `max_concurrent` must hold.
    fn site_resolved(&self, site: &BulkheadConfig) {
        self.site_weight(site.weight);
    }
    /// `max_concurrent` must hold the heaviest site's `weight`: else that site's calls are
    /// refused for good.
    fn fits_sites(&self, config: &BulkheadConfig) -> Result<(), ConfigError> {
        let weight = self.heaviest_site();
        if weight <= config.max_concurrent {
            return Ok(());
        }
        let problem = resile_config::Problem::WeightAboveMaxConcurrent {
            weight: u64::from(weight),
            max_concurrent: u64::from(config.max_concurrent),
        };
        Err(ConfigError::new("max_concurrent", problem))
    }
    /// Sites that share a bulkhead may differ in their own keys (`max_wait`, `weight`);
    /// only `max_concurrent` makes two declarations differ.
    fn same_declaration(a: &BulkheadConfig, b: &BulkheadConfig) -> bool {
        a.same_bulkhead_settings(b)
    }
    #[cfg(feature = "metrics")]
    fn settings(config: &BulkheadConfig) -> Vec<(&'static str, crate::telemetry::metrics::Setting)> {
        use crate::telemetry::metrics::Setting;
        // The instance's own settings: `weight` and `max_wait` are each call site's.
        vec![("max_concurrent", Setting::from(config.max_concurrent))]
    }
}

impl Bulkhead {
    /// The shared bulkhead `name`, declared with `config`: one name is one bulkhead across
    /// the process, whichever function or module uses it. The declaration rule of
    /// [`Registry`] applies to `max_concurrent`: a second declaration with another value is
    /// reported (and panics in debug builds). Its [`call`](Bulkhead::call) uses the
    /// `weight` and `max_wait` of the first declaration; [`acquire`](Bulkhead::acquire)
    /// takes them per call.
    ///
    /// # Panics
    /// If `config` is invalid, or (in debug builds) `name` was declared with another
    /// `max_concurrent`.
    pub fn named(name: &str, config: BulkheadConfig) -> &'static Bulkhead {
        if let Err(e) = config.validate() {
            panic!("invalid bulkhead config for `{name}`: {e}");
        }
        crate::kit::isolation::current::<Bulkhead>().declare(name, config, "Bulkhead::named")
    }
}

/// The bulkhead `name`, for operators: its [`stats`](BulkheadHandle::stats), its settings
/// ([`config`](Handle::config)) and a live change of them ([`reconfigure`](Handle::reconfigure):
/// a new `max_concurrent` takes effect at once, see [`Bulkhead`]). Looking a name up does
/// not create the bulkhead.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::bulkhead::{bulkhead, Bulkhead, BulkheadConfig, BulkheadStats};
///
/// assert_eq!(bulkhead("pool").stats(), BulkheadStats::EMPTY);
/// let pool = Bulkhead::named("pool", BulkheadConfig::new(4));
/// let permit = pool.try_acquire(3).unwrap();
/// assert_eq!(bulkhead("pool").stats(), BulkheadStats { max_concurrent: 4, in_use: 3, waiting: 0, limit: 4 });
/// bulkhead("pool").reconfigure(BulkheadConfig::new(2)).unwrap(); // shrink: running calls keep theirs
/// assert_eq!(bulkhead("pool").stats(), BulkheadStats { max_concurrent: 2, in_use: 3, waiting: 0, limit: 2 });
/// drop(permit);
/// assert_eq!(bulkhead("pool").stats().in_use, 0);
/// assert!(pool.try_acquire(2).is_some());
/// ```
pub fn bulkhead(name: &str) -> BulkheadHandle {
    Handle::new(name)
}

/// An operator's view of a named bulkhead; see [`bulkhead`].
pub type BulkheadHandle = Handle<Bulkhead>;

impl Handle<Bulkhead> {
    /// `max_concurrent`, the weights in use and the calls waiting;
    /// [`BulkheadStats::EMPTY`] until the bulkhead exists.
    pub fn stats(&self) -> BulkheadStats {
        self.get().map_or(BulkheadStats::EMPTY, Bulkhead::stats)
    }
    /// Turns this bulkhead off: every call passes at once and takes no permit, until
    /// [`enable`](Self::enable) (or a configuration file that turns it on). Creates the
    /// bulkhead if it does not exist. Calls already admitted keep what they hold. The same as
    /// `enabled = false` in its section of a configuration file
    /// ([`resile::config`](crate::config)).
    pub fn disable(&self) {
        crate::config::switch::set_one(self.get_or_default(), false);
    }

    /// Turns this bulkhead back on (see [`disable`](Self::disable)).
    pub fn enable(&self) {
        if let Some(instance) = self.get() {
            crate::config::switch::set_one(instance, true);
        }
    }

    /// Whether this bulkhead is on: not turned off on its own (see [`disable`](Self::disable));
    /// [`resile::config::is_enabled`](crate::config::is_enabled) tells whether everything is.
    pub fn is_enabled(&self) -> bool {
        self.get().is_none_or(|instance| !crate::config::switch::is_off(instance))
    }
}
