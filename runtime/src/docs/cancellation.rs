//! # Cancellation
//!
//! Dropping a future is how async Rust cancels, and every policy treats it as a normal
//! event: whatever a call reserved is released by a guard's `Drop`, so a dropped call
//! leaks nothing.
//!
//! | policy | released on drop |
//! |---|---|
//! | retry | the attempt in flight, or the backoff timer |
//! | timeout | the inner future and its timer entry |
//! | circuit breaker | the admission permit: a dropped half-open probe gives its slot back, a dropped closed-state call records nothing |
//! | hedge | every attempt in flight and the hedge timer; the call is counted in `total_requests` |
