//! Prose chapters: how the crates and each policy are built, how the policies combine, what
//! cancellation releases, what each call costs, and how to test code that uses resile.

pub mod architecture;
pub mod cancellation;
pub mod performance;
pub mod stacking;
pub mod testing;
