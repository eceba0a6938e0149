//! Hedged requests (in progress).
