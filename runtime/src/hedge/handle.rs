//! Named hedge trackers: the registry, [`NamedPolicy`] for [`HedgeTracker`], and
//! [`HedgeTrackerHandle`] for operators.

use super::config::HedgeConfig;
use super::state::{HedgeStats, HedgeTracker};
use crate::ConfigError;
use crate::kit::{Handle, NamedPolicy, Registry};

static TRACKERS: Registry<HedgeTracker> = Registry::new();

impl NamedPolicy for HedgeTracker {
    const KIND: &'static str = "hedge";
    type Config = HedgeConfig;

    fn registry() -> &'static Registry<Self> {
        &TRACKERS
    }
    fn default_config() -> HedgeConfig {
        HedgeConfig::new()
    }
    fn validate(config: &HedgeConfig) -> Result<(), ConfigError> {
        config.validate()
    }
    fn create(name: &'static str, config: HedgeConfig) -> Self {
        HedgeTracker::new(name, config)
    }
    fn config(&self) -> HedgeConfig {
        HedgeTracker::config(self)
    }
    fn reconfigure(&self, config: HedgeConfig) {
        self.apply(config);
    }
    /// A fresh latency window, a full budget and zero counters ([`HedgeTracker::reset`]).
    fn reset(&self) {
        HedgeTracker::reset(self);
    }
    /// Sites that share a tracker may differ in their own keys (`delay`, `max_requests`,
    /// `timeout`); only the tracker's keys make two declarations differ.
    fn same_declaration(a: &HedgeConfig, b: &HedgeConfig) -> bool {
        a.same_tracker_settings(b)
    }
    #[cfg(feature = "metrics")]
    fn settings(config: &HedgeConfig) -> Vec<(&'static str, crate::telemetry::metrics::Setting)> {
        use crate::telemetry::metrics::Setting;
        // The tracker's own settings: `delay`, `max_requests` and `timeout` are each call
        // site's.
        let mut settings: Vec<(&'static str, Setting)> = vec![
            ("buffer_size", config.buffer_size.into()),
            ("min_samples", config.min_samples.into()),
            ("initial_delay", config.initial_delay.into()),
            ("min_delay", config.min_delay.into()),
            ("max_delay", config.max_delay.into()),
            ("token_max", config.token_max.into()),
            ("token_success_credit", config.token_success_credit.into()),
            ("token_hedge_cost", config.token_hedge_cost.into()),
            ("token_threshold", config.token_threshold.into()),
        ];
        if let Some(v) = config.percentile {
            settings.push(("percentile", v.into()));
        }
        settings
    }
}

/// The hedge tracker `name`, shared by every `#[hedge(name = "...")]` site and
/// [`Hedge::name`](super::Hedge::name) policy with that name, for operators: read its stats
/// and settings, or change its settings. Looking a name up does not create the tracker.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::hedge::hedge_tracker;
///
/// let stats = hedge_tracker("search").stats();
/// assert_eq!(stats.total_requests, 0);
/// assert!(hedge_tracker("search").config().is_none());
/// ```
pub fn hedge_tracker(name: &str) -> HedgeTrackerHandle {
    Handle::new(name)
}

/// An operator's view of a named hedge tracker; see [`hedge_tracker`]. Its
/// [`reconfigure`](Handle::reconfigure) puts the tracker settings (`percentile`, the window
/// keys, the `token_*` budget) in force with a fresh latency window and a full budget; the
/// per-site keys of the `HedgeConfig` it takes (`delay`, `max_requests`, `timeout`) stay
/// each call site's own, and change only what [`stats`](Handle::stats) shows as the static
/// `current_delay`.
pub type HedgeTrackerHandle = Handle<HedgeTracker>;

impl Handle<HedgeTracker> {
    /// Counters, recent latency percentiles, the current delay and the budget's tokens;
    /// [`HedgeStats::empty`] until the tracker exists.
    pub fn stats(&self) -> HedgeStats {
        self.get().map_or_else(HedgeStats::empty, HedgeTracker::stats)
    }
}
