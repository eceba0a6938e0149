//! `validate` runs in `const` items, so a policy declared as a `const` is checked at compile
//! time, and a broken one is a compile error that names the problem.

use std::time::Duration;

use resile_config::{
    Backoff, Blame, CircuitBreakerConfig, ConfigError, HedgeConfig, KeySet, RetryBudgetConfig, RetryConfig,
    TimeoutConfig, WindowKind,
};

const _: () = assert!(RetryConfig::new().validate().is_ok());
const _: () = assert!(RetryBudgetConfig::new().validate().is_ok());
const _: () = assert!(CircuitBreakerConfig::new().validate().is_ok());
const _: () = assert!(HedgeConfig::new().validate().is_ok());
const _: () = assert!(TimeoutConfig::new(Duration::from_millis(250)).validate().is_ok());

static DELAYS: [Duration; 3] = [Duration::from_millis(100), Duration::from_millis(500), Duration::from_secs(2)];

/// What a `const` policy builder can do: refuse a broken config during const evaluation.
const fn checked(config: RetryConfig) -> RetryConfig {
    match config.validate() {
        Ok(()) => config,
        Err(e) => panic!("{}", e.summary()),
    }
}

const LISTED: RetryConfig = checked(RetryConfig::new().backoff(Backoff::List(&DELAYS)));
const _: () = assert!(LISTED.max == 4);

const BROKEN: Result<(), ConfigError> = CircuitBreakerConfig::new().window(WindowKind::Count).window_size(5).validate();
const _: () = assert!(BROKEN.is_err());

const GIVEN: KeySet = KeySet::of(&["timeout", "delay"]);
const _: () = assert!(GIVEN.contains("delay") && !GIVEN.contains("percentile"));

/// The error of a const validation carries the key and the blame, in const too.
const TIMEOUT_ERROR: ConfigError = match HedgeConfig::new().timeout(Duration::from_millis(50)).validate() {
    Err(e) => e,
    Ok(()) => panic!("a timeout below the default delay is refused"),
};
const _: () = assert!(matches!(TIMEOUT_ERROR.blame(), Blame::Key));

#[test]
fn const_results_are_the_runtime_results() {
    assert_eq!(LISTED.nominal_delay(3), Duration::from_secs(2));
    assert_eq!(BROKEN, CircuitBreakerConfig::new().window_size(5).validate());
    assert_eq!(TIMEOUT_ERROR.key(), "timeout");
    assert_eq!(
        TIMEOUT_ERROR.to_string(),
        "the default `delay` (100ms) is not shorter than `timeout` (50ms); set `delay` below it, or no hedge could ever start"
    );
}
