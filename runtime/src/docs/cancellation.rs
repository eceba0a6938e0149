//! # Cancellation
//!
//! Dropping a future is how async Rust cancels, and every policy treats it as a normal
//! event: whatever a call reserved is released by a guard's `Drop`, so a dropped call
//! leaks nothing.
//!
//! | policy | released on drop |
//! |---|---|
//! | retry | the attempt in flight, or the backoff timer and the retry it reserved from a retry budget |
//! | timeout | the inner future and its timer entry |
//! | circuit breaker | the admission permit: a dropped half-open probe gives its slot back, a dropped closed-state call records nothing |
//! | hedge | every attempt in flight and the hedge timer; the call is counted in `total_requests` |
//! | single flight | the caller's share of the execution only: the execution goes on for the other callers, and is dropped with the last one (its entry removed, so the next call starts afresh) |
//! | bulkhead | the permits of a running call, or the queue entry (and `waiting` count) of a waiting one |
//! | rate limiter | a waiting call's timer, and its tokens when it is still the last to have taken tokens |
//!
//! ## What a call reserves, and when it is spent or given back
//!
//! The rule: a shared resource (a budget token, a probe slot, a permit, a count) is spent
//! only for work that starts, and given back when the call is dropped at any await point
//! before that work starts. `tests/cancellation_sweep.rs` drops each policy's call after
//! its k-th poll, for every k, and checks the counts against the attempts that ran.
//!
//! | reservation | taken | spent | given back |
//! |---|---|---|---|
//! | retry budget: one retry ([`RetryReservation`]) | when an attempt fails and the retry is decided ([`RetrySite::on_error`]); a refusal stops the call at once, without sleeping, and counts as `denied` | when the backoff sleep ends: the next attempt starts in the same poll; counted as `allowed` | when the [`BackoffSleep`] that holds it is dropped before it ends (the call was cancelled during the backoff): its units go back into the slot they came from. Nothing comes back if that slot has expired since (the withdrawal expired with it) or the budget was reconfigured since (a fresh window; the old one took the units with it) |
//! | retry budget: a deposit | the first attempt's first poll (`RetrySite::start`) | at once: it records a first attempt that started | never: the attempt started |
//! | circuit breaker, half-open: a probe slot ([`Permit`]) | at admission, synchronously, just before the guarded call is first polled in the same poll | when its outcome is recorded (`Permit::settle`) | by the permit's `Drop` at any await point of the guarded call (the permit is a local of the function's own coroutine, held across its one `.await`), and when the outcome is `Ignore`. A permit of a generation that has since ended gives nothing back |
//! | circuit breaker, closed: a permit | at admission | when the outcome is recorded | nothing to give back: a dropped call records no outcome |
//! | hedge: a budget token (`HedgeTracker::try_hedge`) | when an extra attempt is launched (timer or failover) | at once: the attempt is created and first polled in the same poll, with no await point in between, so a dropped call never holds a token for an attempt that did not start. (One gap, not a cancellation: if, in that same poll, an attempt woken meanwhile by another thread wins first, the call ends before the new attempt is polled, and its token stays spent) | never: a dropped hedge was sent, its load counts |
//! | hedge: `hedged_requests` | with the token | | never (as the token) |
//! | hedge: `total_requests` | counted when the call ends: succeeded, failed, timed out, or dropped after its first poll (a `CallGuard` counts it as cancelled); a call dropped before its first poll started nothing and is not counted | | |
//! | hedge: a latency sample, `hedge_won`, a budget credit | only when the call ends with `Ok` (a timeout records a censored sample) | | a dropped call records none of them |
//! | timeout | nothing shared: the timer entry is the future's own and goes with it | | |
//! | single flight: an execution | by the call that finds no execution of its key in flight | by whichever caller polls it | when its last caller is dropped: the body is dropped, and the entry removed |
//! | bulkhead: `weight` permits ([`BulkheadPermit`]) | at admission, synchronously (`try_acquire_many`), just before the guarded call is first polled in the same poll; or when the wait ends, in the poll that sees the permits granted | while the call runs: held across its one `.await` | by the permit's `Drop` when the call ends, fails, panics (unwinding) or is dropped at any await point; what a shrink of `max_concurrent` still owes is kept back, the rest goes to the head of the queue |
//! | bulkhead: a place in the queue and the `waiting` count | when the fast path finds the permits taken and `max_wait > 0` | | when the wait ends (admitted, or `max_wait` passed) or the waiting call is dropped: tokio's waiter unlinks itself at once and hands on any permits set aside for it, and a guard counts the call out |
//! | rate limiter: tokens of an admitted call | at admission, synchronously, in the poll that first polls the call | at once: the call starts in the same poll | never: the rate counts calls started |
//! | rate limiter: tokens of a waiting call ([`Wait`]) | at admission, with the instant it may run (within `max_wait`) | when its sleep ends: the call starts in the same poll | by [`Wait`]'s `Drop` before its instant, with one compare-and-swap that puts the TAT back where it was, when no other call took tokens since; otherwise not (later calls' instants were computed behind it), nor when a reconfiguration replaced the bucket since |
//! | rate limiter: a refused call | nothing: a refusal writes nothing | | |
//!
//! ## Through a tower layer
//!
//! The layers of `resile::layer` (cargo feature `tower`) reserve the same things with the
//! same guards, at tower's points: a bulkhead's permits and a breaker's permit (a
//! half-open probe slot) are taken in `poll_ready` and held by the service until `call`
//! moves them into the response future; a service dropped between the two gives them back
//! at once, a clone holds none. A rate limiter's tokens are taken in `call` (tokens taken
//! at once cannot be given back, so `poll_ready` takes none). The module docs of
//! `resile::layer` have the table of what each layer reserves in, and releases at;
//! `tests/layer.rs` drops services after `poll_ready` and response futures mid-call.
//!
//! [`RetryReservation`]: crate::retry::RetryReservation
//! [`RetrySite::on_error`]: crate::retry::RetrySite::on_error
//! [`BackoffSleep`]: crate::retry::BackoffSleep
//! [`Permit`]: crate::circuit_breaker::Permit
//! [`BulkheadPermit`]: crate::bulkhead::BulkheadPermit
//! [`Wait`]: crate::rate_limit::Wait
