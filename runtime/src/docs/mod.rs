//! Prose chapters: how the policies combine, what cancellation releases, and what each
//! call costs.

pub mod cancellation;
pub mod performance;
pub mod stacking;
