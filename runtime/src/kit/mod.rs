//! The policy kit: what every policy is built from, so the next one is written by copying.
//!
//! - [`NamedPolicy`]: what a policy whose instances are shared by name (a breaker, a hedge
//!   tracker, a retry budget) tells the kit: its kind, its configuration type, how to create,
//!   reconfigure and reset an instance.
//! - [`Registry`]: one generic, process-wide map from name to instance per kind, with one
//!   declaration rule ("one configuration per name"), described on
//!   [`Registry::declare`].
//! - [`Handle`]: an operator's view of one named instance (settings, their source, live
//!   reconfiguration); each policy adds its own reads and calls to `Handle<ItsPolicy>`.
//! - [`Site`]: one call site's reference to a named instance, resolved once and kept in the
//!   call site's `static`, so the call path never hashes a name.
//! - [`KeyedSite`], [`Family`], [`KeyGuard`]: keyed instances, one instance of a
//!   name per key value, for `key = ..` call sites; see the `keyed` module's docs.
//! - `Swap` (crate-private): settings read on every call with one load and replaced now
//!   and then (reconfiguration); old values are retired, not freed, while the owner lives.
//!
//! The architecture chapter, `docs::architecture`, shows how a policy folder uses them.

pub(crate) mod clock;
mod handle;
pub(crate) mod isolation;
pub mod keyed;
pub(crate) mod registry;
#[cfg(any(feature = "testing", doc))]
pub(crate) mod scope;
#[cfg_attr(not(loom), allow(unreachable_pub))]
mod shard_lock;
mod site;
#[cfg_attr(not(loom), allow(unreachable_pub))]
mod swap;

pub use handle::Handle;
pub use keyed::{DEFAULT_MAX_KEYS, Family, InstanceKey, KeyFmt, KeyGuard, KeyHandle, KeyInstance, KeyedSite, ShownKey};
pub use registry::{NamedPolicy, Registry, Source};
/// The shard lock of keyed families, public for its loom model (`runtime/tests/keyed_loom.rs`)
/// only.
#[cfg(loom)]
#[doc(hidden)]
pub use shard_lock::{ReadGuard, ShardLock, WriteGuard};
pub use site::Site;
#[cfg(not(loom))]
pub(crate) use swap::Swap;
/// The generation swap, public for its loom model (`runtime/tests/swap_loom.rs`) only.
#[cfg(loom)]
#[doc(hidden)]
pub use swap::Swap;
