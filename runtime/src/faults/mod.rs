//! The fault vocabulary the simulator's model downstream (`sim`) and the chaos injector
//! (`chaos`) share: latency distributions and incidents in time windows. Re-exported,
//! unchanged, from both modules.

mod incidents;
mod latency;

pub use incidents::{Effect, Incident, Incidents};
pub use latency::Latency;

#[cfg(feature = "sim")]
pub(crate) use incidents::check_rate;
pub(crate) use incidents::combine;
#[cfg(feature = "sim")]
pub(crate) use latency::nanos;
