//! # Performance
//!
//! What the success path of each policy costs, measured with callgrind (instructions per
//! call over a raw call; see `benches/README.md` for nanoseconds and peer comparisons).
//!
//! | policy | atomics | clock reads | allocations |
//! |---|---|---|---|
//! | retry | 0 (1 `fetch_add` with a retry budget) | 0 (1 with `budget` or a retry budget) | 0 |
//! | timeout | those of one tokio timer entry | 1 (tokio's, for the deadline) | 0 |
