//! The settings of a retry: [`RetryConfig`] with its [`Backoff`] and [`Jitter`], defined
//! with every other configuration in `resile-config`, where the attribute's checks and the
//! runtime's are written once.

pub use resile_config::{Backoff, Jitter, RetryConfig};
