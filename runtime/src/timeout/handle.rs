//! Timeouts have no named, shared instance: a timeout keeps no state between calls, so
//! there is nothing for an operator to read or change at run time, and no registry entry.
//! A timeout's setting lives with its call site ([`TimeoutSite`](super::TimeoutSite)).
