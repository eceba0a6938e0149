//! A timeout keeps no state of its own beyond its call: its deadline, in its future
//! ([`TimeoutFuture`](super::TimeoutFuture), `site.rs`), and the timer entry tokio's wheel
//! keeps for it once the call has waited. This file stays, empty, so that every policy
//! folder has the same files.
