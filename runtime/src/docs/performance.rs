//! # Performance
//!
//! What the success path of each policy costs, measured with callgrind (instructions per
//! call over a raw call; see `benches/README.md` for nanoseconds and peer comparisons).
//!
//! | policy | atomics | clock reads | allocations |
//! |---|---|---|---|
//! | retry | 0 (1 `fetch_add` with a retry budget) | 0 (1 with `budget` or a retry budget) | 0 |
//! | timeout | those of one tokio timer entry | 1 (tokio's, for the deadline) | 0 |
//! | circuit breaker (closed, count window) | 4 (see [`circuit_breaker`](mod@crate::circuit_breaker#performance)) | 0 (2 with a slow-call threshold, 1 with a time window) | 0 |
//! | hedge (no hedge fired) | see [`hedge`](mod@crate::hedge#performance) | 2 (the timer and the latency) | 0 (an extra attempt allocates) |
//!
//! A retry allocates its backoff timer (one box per retry, not per call), which keeps the
//! guarded call's future small so the success path moves less.
//!
//! Every guarded call builds a `resile` span only when a subscriber wants `DEBUG` spans of
//! target `resile`; otherwise the span costs one atomic load and one branch per poll.
