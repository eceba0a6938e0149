//! The settings of a bulkhead: [`BulkheadConfig`], defined with every other configuration
//! in `resile-config`, where the attribute's checks and the runtime's are written once.
//!
//! Two groups of keys live in different places at run time:
//! - per bulkhead (shared by every site that uses the same `name`): `max_concurrent`, which
//!   follows the declaration rule of named instances;
//! - per call site: `max_wait` and `weight`.

pub use resile_config::{AdaptiveAlgorithm, BulkheadConfig};
