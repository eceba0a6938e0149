//! Circuit breaker (in progress).
