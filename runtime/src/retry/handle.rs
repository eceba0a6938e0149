//! Named retry budgets: the registry, [`NamedPolicy`] for [`RetryBudget`], and
//! [`RetryBudgetHandle`] for operators.

use tokio::time::Instant;

use super::budget::{RetryBudget, RetryBudgetConfig, RetryBudgetStats};
use super::site::clock;
use crate::ConfigError;
use crate::kit::{NamedPolicy, Registry, Source};

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
}

/// The retry budget `name`, for operators: read its settings and counters, or change its
/// settings. Looking a name up does not create the budget.
///
/// ```
/// use resile_runtime::retry::{retry_budget, RetryBudgetConfig};
///
/// let api = retry_budget("api");
/// assert!(api.config().is_none()); // nothing has used it yet
/// api.reconfigure(RetryBudgetConfig::new().ratio(0.1)).unwrap();
/// assert_eq!(api.config().unwrap().ratio, 0.1);
/// assert!(api.reconfigure(RetryBudgetConfig::new().ratio(-1.0)).is_err()); // the last good one stays
/// assert_eq!(api.config().unwrap().ratio, 0.1);
/// ```
pub fn retry_budget(name: &str) -> RetryBudgetHandle {
    RetryBudgetHandle { name: name.into() }
}

/// An operator's view of a named retry budget; see [`retry_budget`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryBudgetHandle {
    name: Box<str>,
}

impl RetryBudgetHandle {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The budget, if it exists.
    pub fn get(&self) -> Option<&'static RetryBudget> {
        BUDGETS.get(&self.name)
    }

    /// The settings in force; `None` until the budget exists.
    pub fn config(&self) -> Option<RetryBudgetConfig> {
        self.get().map(RetryBudget::config)
    }

    /// Where the settings in force come from; `None` until the budget exists.
    pub fn source(&self) -> Option<Source> {
        BUDGETS.source(&self.name)
    }

    /// Counters and the retries available now (tokio's clock); zeros until the budget exists.
    pub fn stats(&self) -> RetryBudgetStats {
        match self.get() {
            Some(b) => b.stats_at(clock(b, Instant::now())),
            None => RetryBudgetStats::EMPTY,
        }
    }

    /// Puts `config` in force (creating the budget if needed) and starts a fresh window.
    /// Live settings win over any declaration of the name.
    ///
    /// # Errors
    /// The rule `config` breaks, naming its key; the settings in force stay.
    pub fn reconfigure(&self, config: RetryBudgetConfig) -> Result<(), ConfigError> {
        BUDGETS.configure(&self.name, config).map(drop)
    }
}
