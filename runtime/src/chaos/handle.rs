//! Named chaos injectors: the registry, [`NamedPolicy`] for [`Chaos`], and [`ChaosHandle`]
//! for operators.

use super::config::ChaosConfig;
use super::site::{Chaos, ChaosStats};
use crate::ConfigError;
use crate::faults::Incidents;
use crate::kit::{Handle, NamedPolicy, Registry};

static INJECTORS: Registry<Chaos> = Registry::new();

impl NamedPolicy for Chaos {
    const KIND: &'static str = "chaos";
    type Config = ChaosConfig;

    fn registry() -> &'static Registry<Self> {
        &INJECTORS
    }
    /// Injects nothing, until a declaration or a reconfiguration says otherwise.
    fn default_config() -> ChaosConfig {
        ChaosConfig::new()
    }
    fn validate(config: &ChaosConfig) -> Result<(), ConfigError> {
        config.validate()
    }
    fn create(name: &'static str, config: ChaosConfig) -> Self {
        Chaos::with_name(Some(name), config)
    }
    fn config(&self) -> ChaosConfig {
        Chaos::config(self)
    }
    fn reconfigure(&self, config: ChaosConfig) {
        self.replace(config);
    }
    /// Zero counts, incidents timed again ([`Chaos::reset`]).
    fn reset(&self) {
        Chaos::reset(self);
    }
    #[cfg(feature = "metrics")]
    fn settings(config: &ChaosConfig) -> Vec<(&'static str, crate::telemetry::metrics::Setting)> {
        use crate::telemetry::metrics::Setting;
        let mut settings: Vec<(&'static str, Setting)> = vec![
            ("error_rate", config.error_rate.into()),
            ("hang_rate", config.hang_rate.into()),
            ("latency_rate", config.latency_rate.into()),
        ];
        if let Some(latency) = config.latency {
            settings.push(("latency", latency.into()));
        }
        settings
    }
}

/// An operator's view of the chaos injector `name` (`#[chaos(name = "..")]`): turn it on or
/// off, change its rates, put incidents in force, read its counts.
pub type ChaosHandle = Handle<Chaos>;

impl Handle<Chaos> {
    /// Turns the injector on or off at once (creating it, injecting nothing, if no call
    /// site has used it yet). Off, its calls go straight to the body.
    pub fn set_enabled(&self, enabled: bool) {
        self.get_or_default().set_enabled(enabled);
    }

    /// Whether the injector injects; `true` for one that does not exist yet (it is created
    /// enabled).
    pub fn is_enabled(&self) -> bool {
        self.get().is_none_or(Chaos::is_enabled)
    }

    /// Puts `incidents` in force ([`Chaos::set_incidents`]: timed from the next call),
    /// creating the injector if needed.
    pub fn set_incidents(&self, incidents: Incidents) {
        self.get_or_default().set_incidents(incidents);
    }

    /// The counts; zeros until the injector exists.
    pub fn stats(&self) -> ChaosStats {
        self.get().map(Chaos::stats).unwrap_or_default()
    }
}

/// The chaos injector `name`, for operators. Looking a name up does not create it.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::chaos::{chaos, ChaosConfig};
///
/// let payments = chaos("payments");
/// assert!(payments.config().is_none()); // nothing has used it yet
/// payments.reconfigure(ChaosConfig::new().error_rate(0.05)).unwrap();
/// assert_eq!(payments.config().map(|c| c.error_rate), Some(0.05));
/// payments.set_enabled(false);
/// assert!(!payments.is_enabled());
/// assert!(payments.reconfigure(ChaosConfig::new().error_rate(2.0)).is_err());
/// ```
pub fn chaos(name: &str) -> ChaosHandle {
    Handle::new(name)
}
