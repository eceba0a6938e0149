//! resile
pub use resile_runtime::*;
