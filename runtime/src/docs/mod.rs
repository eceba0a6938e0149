//! Prose chapters: how the crates and each policy are built, how the policies combine, what
//! cancellation releases, and what each call costs.

pub mod architecture;
pub mod cancellation;
pub mod performance;
pub mod stacking;
