//! # Performance
//!
//! What the success path of each policy costs a caller. The figure that counts is the
//! annotated function awaited in a loop on a current-thread tokio runtime (tokio without
//! `test-util`), counted by callgrind against a raw call: `benches/README.md` has it for
//! every attribute and the three-attribute stack, beside the peer crates measured the same
//! way, and the nanoseconds.
//!
//! | policy | over a raw call | atomics | clock reads | allocations |
//! |---|---:|---|---|---|
//! | retry | +18 | 0 (1 `fetch_add` with a retry budget) | 0 (1 with `budget` or a retry budget) | 0 |
//! | timeout | +99 (bare `tokio::time::timeout`: +174) | none when the call completes in its first poll; else those of one tokio timer entry | 1 (tokio's, for the deadline) | 0 |
//! | circuit breaker (closed, count window) | +46 | 4 loads, no write, in a window of successes; a `fetch_add` more while the window holds a failure (see [`circuit_breaker`](mod@crate::circuit_breaker#performance)) | 0 (2 with a slow-call threshold, 1 with a time window) | 0 |
//! | circuit breaker (open, refusing) | +117 | 3 | 1 | 0 |
//! | hedge (no hedge fired) | +183 | see [`hedge`](mod@crate::hedge#performance) | 0 when the call completes on its first poll, else 2 | 0 (an extra attempt allocates) |
//!
//! Why it is this cheap: the attributes of a function expand into straight-line code in the
//! function's own coroutine ([`architecture`](super::architecture)): an admission is a
//! synchronous acquire around one `.await`, a retry a `loop` whose success is one `match`;
//! only a timeout and a hedge wrap a future, because they need a timer.
//!
//! A retry allocates its backoff timer (one box per retry, not per call), which keeps the
//! guarded call's future small, and drops it through one out-of-line call, which keeps the
//! future's drop glue small enough to inline.
//!
//! Telemetry costs nothing on the success path: a call's `resile` span is created by its
//! first event, and an event with no subscriber interested in its level and no observer
//! costs two atomic loads.
