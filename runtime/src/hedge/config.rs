//! The settings of hedging: [`HedgeConfig`], defined with every other configuration in
//! `resile-config`, where the attribute's checks and the runtime's are written once.
//!
//! Two groups of keys live in different places at run time:
//! - per call site: `delay`, `max_requests`, `timeout` (and the hooks);
//! - per tracker (shared by every site that uses the same `name`): `percentile`,
//!   `buffer_size`, `min_samples`, `initial_delay`, `min_delay`, `max_delay` and the
//!   `token_*` budget, which follow the declaration rule of named instances (see
//!   [`HedgeTracker`](super::HedgeTracker)).

pub use resile_config::HedgeConfig;
