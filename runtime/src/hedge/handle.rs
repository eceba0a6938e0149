//! Named hedge trackers: the registry, [`NamedPolicy`] for [`HedgeTracker`], and
//! [`HedgeTrackerHandle`] for operators.

use super::config::HedgeConfig;
use super::state::{HedgeStats, HedgeTracker};
use crate::ConfigError;
use crate::kit::{NamedPolicy, Registry, Source};

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
        HedgeTracker::reconfigure(self, config);
    }
    /// Sites that share a tracker may differ in their own keys (`delay`, `max_requests`,
    /// `timeout`); only the tracker's keys make two declarations differ.
    fn same_declaration(a: &HedgeConfig, b: &HedgeConfig) -> bool {
        a.same_tracker_settings(b)
    }
}

/// The hedge tracker `name`, shared by every `#[hedge(name = "...")]` site and
/// [`Hedge::name`](super::Hedge::name) policy with that name, for operators: read its stats
/// and settings, or change its settings. Looking a name up does not create the tracker.
///
/// ```
/// use resile_runtime::hedge::hedge_tracker;
///
/// let stats = hedge_tracker("search").stats();
/// assert_eq!(stats.total_requests, 0);
/// assert!(hedge_tracker("search").config().is_none());
/// ```
pub fn hedge_tracker(name: &str) -> HedgeTrackerHandle {
    HedgeTrackerHandle { name: name.into() }
}

/// An operator's view of a named hedge tracker; see [`hedge_tracker`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HedgeTrackerHandle {
    name: Box<str>,
}

impl HedgeTrackerHandle {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tracker, if it exists.
    pub fn get(&self) -> Option<&'static HedgeTracker> {
        TRACKERS.get(&self.name)
    }

    /// The settings in force; `None` until the tracker exists.
    pub fn config(&self) -> Option<HedgeConfig> {
        self.get().map(HedgeTracker::config)
    }

    /// Where the settings in force come from; `None` until the tracker exists.
    pub fn source(&self) -> Option<Source> {
        TRACKERS.source(&self.name)
    }

    /// Counters, recent latency percentiles, the current delay and the budget's tokens;
    /// [`HedgeStats::empty`] until the tracker exists.
    pub fn stats(&self) -> HedgeStats {
        self.get().map_or_else(HedgeStats::empty, HedgeTracker::stats)
    }

    /// Puts the tracker settings of `config` in force as live configuration (creating the
    /// tracker if needed), with a fresh latency window and a full budget.
    ///
    /// # Errors
    /// The rule `config` breaks, naming its key; the settings in force stay.
    pub fn reconfigure(&self, config: HedgeConfig) -> Result<(), ConfigError> {
        TRACKERS.configure(&self.name, config).map(drop)
    }
}
