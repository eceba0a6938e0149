//! Named rate limiters: the registry, [`NamedPolicy`] for [`RateLimiter`], and
//! [`RateLimiterHandle`] for operators.

use super::config::RateLimitConfig;
use super::state::{RateLimiter, RateLimiterStats};
use crate::ConfigError;
use crate::kit::{Handle, NamedPolicy, Registry};

static LIMITERS: Registry<RateLimiter> = Registry::new();

/// The settings of a limiter used before any declaration of its name: `rate` is required,
/// so there is no default to fall back on; such a limiter admits 10^12 calls per second
/// (unlimited in practice) until a declaration or a reconfiguration puts a rate in force,
/// and the registry reports it (an INFO event).
pub(super) const UNDECLARED: RateLimitConfig = RateLimitConfig::new(RateLimitConfig::MAX_RATE);

impl NamedPolicy for RateLimiter {
    const KIND: &'static str = "rate_limit";
    type Config = RateLimitConfig;

    fn registry() -> &'static Registry<Self> {
        &LIMITERS
    }
    fn default_config() -> RateLimitConfig {
        UNDECLARED
    }
    fn validate(config: &RateLimitConfig) -> Result<(), ConfigError> {
        config.validate()
    }
    fn create(name: &'static str, config: RateLimitConfig) -> Self {
        RateLimiter::new(name, config)
    }
    fn config(&self) -> RateLimitConfig {
        RateLimiter::config(self)
    }
    fn reconfigure(&self, config: RateLimitConfig) {
        RateLimiter::reconfigure(self, config);
    }
    /// Full again ([`RateLimiter::reset`]).
    fn reset(&self) {
        RateLimiter::reset(self);
    }
    /// Records the site's `weight`, which live settings' burst must hold.
    fn site_resolved(&self, site: &RateLimitConfig) {
        self.site_weight(site.weight);
    }
    /// The burst must hold the heaviest site's `weight`: else that site's calls are refused
    /// for good.
    fn fits_sites(&self, config: &RateLimitConfig) -> Result<(), ConfigError> {
        let weight = self.heaviest_site();
        if f64::from(weight) <= config.burst() {
            return Ok(());
        }
        let problem = resile_config::Problem::WeightAboveBurst {
            weight: u64::from(weight),
            burst_size: config.burst(),
            burst_size_default: config.burst_size.is_none(),
        };
        Err(ConfigError::new(if config.burst_size.is_some() { "burst_size" } else { "rate" }, problem))
    }
    /// Sites that share a limiter may differ in their own keys (`weight`, `max_wait`); only
    /// `rate` and the burst make two declarations differ.
    fn same_declaration(a: &RateLimitConfig, b: &RateLimitConfig) -> bool {
        a.same_limiter_settings(b)
    }
    #[cfg(feature = "metrics")]
    fn settings(config: &RateLimitConfig) -> Vec<(&'static str, crate::telemetry::metrics::Setting)> {
        use crate::telemetry::metrics::Setting;
        let mut settings: Vec<(&'static str, Setting)> =
            // The instance's own settings: `weight` and `max_wait` are each call site's.
            vec![("rate", config.rate.into())];
        if let Some(v) = config.burst_size {
            settings.push(("burst_size", v.into()));
        }
        settings
    }
}

impl RateLimiter {
    /// The shared limiter `name`, declared with `config`: one name is one limiter (one
    /// bucket) across the process. The declaration rule of [`Registry`] applies: a second
    /// declaration with another `rate` or `burst_size` is reported (and panics in debug
    /// builds); `weight` and `max_wait` are each caller's own, and [`call`](Self::call) on
    /// the returned limiter uses those of the configuration in force.
    ///
    /// # Panics
    /// If `config` is invalid, or (in debug builds) `name` was declared with another rate or
    /// burst.
    pub fn named(name: &str, config: RateLimitConfig) -> &'static RateLimiter {
        if let Err(e) = config.validate() {
            panic!("invalid rate limiter config for `{name}`: {e}");
        }
        crate::kit::isolation::current::<RateLimiter>().declare(name, config, "RateLimiter::named")
    }
}

/// The rate limiter `name`, for operators: its tokens now, its settings, and live
/// reconfiguration ([`Handle::reconfigure`]: the tokens missing from the bucket stay missing,
/// see [`RateLimiter::reconfigure_at`]). Looking a name up does not create the limiter.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::rate_limit::{rate_limiter, RateLimitConfig, RateLimiter};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// assert!(rate_limiter("search").config().is_none());
/// let limiter = RateLimiter::named("search", RateLimitConfig::new(5.0));
/// assert_eq!(limiter.call(|| async { Ok::<_, resile::Rejection>(1) }).await, Ok(1));
/// let stats = rate_limiter("search").stats();
/// assert_eq!((stats.tokens, stats.rate, stats.burst_size), (4.0, 5.0, 5.0));
/// rate_limiter("search").reconfigure(RateLimitConfig::new(10.0)).unwrap();
/// assert_eq!(rate_limiter("search").stats().tokens, 9.0); // the spent token stays spent
/// assert!(rate_limiter("search").reconfigure(RateLimitConfig::new(0.0)).is_err());
/// # }
/// ```
pub fn rate_limiter(name: &str) -> RateLimiterHandle {
    Handle::new(name)
}

/// An operator's view of a named rate limiter; see [`rate_limiter`].
pub type RateLimiterHandle = Handle<RateLimiter>;

impl Handle<RateLimiter> {
    /// Tokens available now (tokio's clock), the rate and the burst;
    /// [`RateLimiterStats::EMPTY`] until the limiter exists.
    pub fn stats(&self) -> RateLimiterStats {
        self.get().map_or(RateLimiterStats::EMPTY, RateLimiter::stats)
    }
    /// Turns this rate limiter off: every call passes at once and takes no token, until
    /// [`enable`](Self::enable) (or a configuration file that turns it on). Creates the
    /// rate limiter if it does not exist. Calls already admitted keep what they hold. The same as
    /// `enabled = false` in its section of a configuration file
    /// ([`resile::config`](crate::config)).
    pub fn disable(&self) {
        crate::config::switch::set_one(self.get_or_default(), false);
    }

    /// Turns this rate limiter back on (see [`disable`](Self::disable)).
    pub fn enable(&self) {
        if let Some(instance) = self.get() {
            crate::config::switch::set_one(instance, true);
        }
    }

    /// Whether this rate limiter is on: not turned off on its own (see [`disable`](Self::disable));
    /// [`resile::config::is_enabled`](crate::config::is_enabled) tells whether everything is.
    pub fn is_enabled(&self) -> bool {
        self.get().is_none_or(|instance| !crate::config::switch::is_off(instance))
    }
}
