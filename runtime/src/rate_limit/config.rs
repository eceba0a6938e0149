//! The settings of a rate limiter: [`RateLimitConfig`], defined with every other
//! configuration in `resile-config`, where the attribute's checks and the runtime's are
//! written once.

pub use resile_config::RateLimitConfig;
