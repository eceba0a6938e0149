//! Named retry budgets: the registry, [`NamedPolicy`] for [`RetryBudget`], and
//! [`RetryBudgetHandle`] for operators.

use tokio::time::Instant;

use super::budget::{RetryBudget, RetryBudgetConfig, RetryBudgetStats};
use super::site::clock;
use crate::ConfigError;
use crate::kit::{Handle, NamedPolicy, Registry};

static BUDGETS: Registry<RetryBudget> = Registry::new();

impl NamedPolicy for RetryBudget {
    const KIND: &'static str = "retry_budget";
    type Config = RetryBudgetConfig;

    fn registry() -> &'static Registry<Self> {
        &BUDGETS
    }
    fn default_config() -> RetryBudgetConfig {
        RetryBudgetConfig::new()
    }
    fn validate(config: &RetryBudgetConfig) -> Result<(), ConfigError> {
        config.validate()
    }
    fn create(name: &'static str, config: RetryBudgetConfig) -> Self {
        RetryBudget::new(name, config)
    }
    fn config(&self) -> RetryBudgetConfig {
        RetryBudget::config(self)
    }
    fn reconfigure(&self, config: RetryBudgetConfig) {
        self.replace_config(config);
    }
    /// A fresh window and zero counters ([`RetryBudget::reset`]).
    fn reset(&self) {
        RetryBudget::reset(self);
    }
    #[cfg(feature = "metrics")]
    fn settings(config: &RetryBudgetConfig) -> Vec<(&'static str, crate::telemetry::metrics::Setting)> {
        use crate::telemetry::metrics::Setting;
        let settings: Vec<(&'static str, Setting)> = vec![
            ("ratio", config.ratio.into()),
            ("min_per_sec", config.min_per_sec.into()),
            ("ttl", config.ttl.into()),
        ];
        settings
    }
}

/// The retry budget `name`, for operators: read its settings and counters, or change its
/// settings. Looking a name up does not create the budget.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::retry::{retry_budget, RetryBudgetConfig};
///
/// let api = retry_budget("api");
/// assert!(api.config().is_none()); // nothing has used it yet
/// api.reconfigure(RetryBudgetConfig::new().ratio(0.1)).unwrap();
/// assert_eq!(api.config().unwrap().ratio, 0.1);
/// assert!(api.reconfigure(RetryBudgetConfig::new().ratio(-1.0)).is_err()); // the last good one stays
/// assert_eq!(api.config().unwrap().ratio, 0.1);
/// ```
pub fn retry_budget(name: &str) -> RetryBudgetHandle {
    Handle::new(name)
}

/// An operator's view of a named retry budget; see [`retry_budget`]. Its
/// [`reconfigure`](Handle::reconfigure) starts a fresh window.
pub type RetryBudgetHandle = Handle<RetryBudget>;

impl Handle<RetryBudget> {
    /// Counters and the retries available now (tokio's clock); zeros until the budget exists.
    pub fn stats(&self) -> RetryBudgetStats {
        match self.get() {
            Some(b) => b.stats_at(clock(b, Instant::now())),
            None => RetryBudgetStats::EMPTY,
        }
    }
}
