//! [`deadline()`]: the earliest deadline that an enclosing `#[timeout]` or
//! `#[hedge(timeout = ..)]` set for the code running now, across nested guarded functions.
//!
//! ```
//! # use resile_runtime as resile;
//! use std::time::Duration;
//! use resile::{Rejection, timeout::Timeout};
//! use tokio::time::Instant;
//!
//! /// Three calls deep, with no resile attribute of its own: passes the deadline on, as a
//! /// gRPC `grpc-timeout` or an HTTP `Request-Timeout` header would carry it.
//! async fn send() -> Result<String, Rejection> {
//!     let header = match resile::deadline() {
//!         Some(at) => format!("grpc-timeout: {}m", at.saturating_duration_since(Instant::now()).as_millis()),
//!         None => "no deadline".to_owned(),
//!     };
//!     Ok(header)
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let handler = Timeout::new(Duration::from_millis(800));
//! let sent = handler.call(|| async {
//!     tokio::time::sleep(Duration::from_millis(300)).await;
//!     send().await
//! });
//! assert_eq!(sent.await.unwrap(), "grpc-timeout: 500m");
//! assert_eq!(resile::deadline(), None); // outside any guarded call
//! # }
//! ```
//!
//! # What it sees
//!
//! While a [`TimeoutFuture`](crate::timeout::TimeoutFuture) (`#[timeout]`, [`Timeout`](crate::Timeout),
//! [`timeout()`](crate::timeout::timeout)) or a hedged call with a `timeout` is polled, the
//! code it polls — its own body, the functions that body awaits however deep, the other
//! policies inside it — sees `Some(deadline)`: the instant on tokio's clock at which it cuts
//! the call. Deadlines nest: an inner one later than an outer one changes nothing, an
//! earlier one is seen until its call ends. Outside every such call, `None`.
//!
//! What reads it:
//! - [`retry`](crate::retry) never starts a sleep that would end at or past it: the call
//!   returns its last error at once, when that error happens, rather than being cut at the
//!   deadline halfway through a sleep that could not lead anywhere
//!   ([`Event::RetryPastDeadline`](crate::telemetry::Event::RetryPastDeadline) says why);
//! - [`hedge`](crate::hedge) starts no attempt at or past it;
//! - the body, to pass it on to the next service (above).
//!
//! Like a `tokio::task_local!`, it follows the futures its call polls, not `tokio::spawn`:
//! a spawned task starts with no deadline. Two calls `join!`ed in one task, or the attempts
//! of one hedge, each see their own: the deadline is set around each poll of a call, not
//! once for the task.
//!
//! # How it works
//!
//! One thread-local slot (a `const`-initialised `Cell`: no lazy initialisation, no
//! destructor) holds a pointer to the earliest deadline of the calls being polled on the
//! thread, or null. A timeout's future keeps its deadline (it reads the clock when the call
//! is made, as `tokio::time::timeout` does, and arms tokio's timer for it only if what it
//! guards is still pending after a poll) and, when it polls what it guards, points the slot
//! at it if it is earlier than what the slot points to, then puts the old pointer back when
//! that poll returns or unwinds (a guard's `Drop`). That is the scope of a
//! `tokio::task_local!`, written into the timeout's own future so that no wrapper future is
//! added and nothing is copied but one word. Every future a call runs is polled from inside
//! its poll, so while any of them runs the slot points to the earliest deadline around it,
//! and the pointer is valid: the future it points into is pinned and being polled. Nothing
//! is registered, so nothing can outlive a call: a dropped (cancelled) call is not being
//! polled, and left the slot as it found it when its last poll returned.
//!
//! Why not a process-wide count of live deadlines, with the deadlines in a task-local (the
//! way [`timeline`](crate::timeline) switches captures on)? That lets a call with no deadline
//! learn so with one load, but every guarded call would still pay that load, and a
//! `task_local!` can only be set by wrapping a future in `LocalKey::scope`. Here the only
//! code that reads the slot is code that needs the answer (a retry deciding a sleep after a
//! failure, a hedge deciding an attempt, [`deadline()`]), all of it off the success path,
//! and the only code that writes it is a policy that has a deadline to publish.
//!
//! And why does a timeout publish even when nothing will read its deadline? Nothing can
//! know that in time: the readers run inside the poll that publishes (a retry that fails
//! three calls deep, a `deadline()` in the body), after the timeout has decided. A "readers
//! exist" flag that a reader raises would let the first reads miss a deadline already set
//! around them; publishing costs about a dozen instructions per poll (see below), so it is not
//! worth an inexact answer.
//!
//! # Cancellation
//!
//! Nothing to release: the slot is restored when each poll returns, by a guard, so a call
//! that panics or is dropped leaves it as it found it.
//!
//! # Performance
//!
//! Measured with `benches/probe.sh` (instructions per call, see `benches/README.md`):
//!
//! - A call with no enclosing deadline pays nothing: `#[retry]`'s success path does not
//!   look at the slot (+0 instructions); a retry reads it only after an attempt failed (a
//!   thread-local read, and under a deadline a clock read). Admissions (breaker, bulkhead,
//!   rate limiter) never look.
//! - A `#[hedge]` with no `timeout` is the code it was (+1): the expansion calls
//!   [`HedgeSite::call`](crate::hedge::HedgeSite::call), which has no trace of a deadline;
//!   one with a `timeout` calls [`call_timed`](crate::hedge::HedgeSite::call_timed), which
//!   reads the clock before the first attempt, so that the attempt sees its deadline from
//!   its first poll, and publishes it around each poll. Either reads the enclosing
//!   deadline once, and only if the first attempt did not complete at once.
//! - A `#[timeout]` pays for publishing, per poll: one thread-local read, one test of its
//!   deadline, a comparison only under an enclosing deadline, and two one-word writes
//!   (12 instructions, `benches/README.md`, "Deadline propagation"). Its deadline is
//!   read from the clock when the call is made, as `tokio::time::timeout` reads it, and kept
//!   in the timeout's future; tokio's timer is armed only if the call is still pending after
//!   a poll.
//! - No allocation, no lock, no atomic.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr;

use tokio::time::Instant;

thread_local! {
    /// The earliest deadline of the calls being polled on this thread: a pointer to it, in
    /// the future (or the stack frame) of the call that set it, which is being polled;
    /// null when there is none.
    static CURRENT: Cell<*const Instant> = const { Cell::new(ptr::null()) };
}

/// The earliest deadline that an enclosing `#[timeout]`, `#[hedge(timeout = ..)]`,
/// [`Timeout`](crate::Timeout), [`timeout()`](crate::timeout::timeout) or a combinator's
/// `.timeout(d)` set for the code running now, on tokio's clock; `None` outside every one of
/// them. See the [module docs](self).
///
/// Cost: one thread-local read (and, under a deadline, a 16-byte read), no atomic, no
/// allocation.
#[inline]
pub fn deadline() -> Option<Instant> {
    current()
}

/// The slot's value.
#[inline]
pub(crate) fn current() -> Option<Instant> {
    let at = CURRENT.with(Cell::get);
    // SAFETY: a non-null pointer in the slot was set by a `Scope` that is still alive (it
    // puts the previous value back when dropped), from a reference that outlives it.
    unsafe { at.as_ref() }.copied()
}

/// Whether a sleep of `delay` from now would end at or past the enclosing deadline, if there
/// is one: `Some(deadline)` then. One thread-local read, and a clock read only under a
/// deadline.
#[inline]
pub(crate) fn crossed_by(delay: std::time::Duration) -> Option<Instant> {
    let deadline = current()?;
    Instant::now().checked_add(delay).is_none_or(|end| end >= deadline).then_some(deadline)
}

/// Publishes `deadline`, if it is earlier than the one the slot holds, until the guard is
/// dropped; `None` publishes nothing (the guard then writes back what the slot held).
///
/// The slot keeps a pointer, not the value, so that entering costs a load, a test and a
/// store of one word (and the comparison only under an enclosing deadline); `deadline` is
/// borrowed for as long as the guard lives.
#[inline(always)]
pub(crate) fn enter(deadline: Option<&Instant>) -> Scope<'_> {
    CURRENT.with(|slot| {
        let previous = slot.get();
        if let Some(at) = deadline {
            // SAFETY: as in `current`.
            if unsafe { previous.as_ref() }.is_none_or(|outer| at < outer) {
                slot.set(at);
            }
        }
        Scope { previous, _deadline: PhantomData }
    })
}

/// Runs `f` with `deadline` published as [`enter`] does; with `None`, just `f()`.
#[inline(always)]
pub(crate) fn scoped<R>(deadline: Option<&Instant>, f: impl FnOnce() -> R) -> R {
    match deadline {
        Some(_) => {
            let _scope = enter(deadline);
            f()
        }
        None => f(),
    }
}

/// What [`enter`] changed, put back when dropped (a poll that returns or unwinds). It
/// always writes the slot back: the value it found there, which is the slot's value when
/// nothing was published (one store, rather than a flag and a test of it).
#[must_use = "the deadline is published only while the scope lives"]
pub(crate) struct Scope<'a> {
    previous: *const Instant,
    _deadline: PhantomData<&'a Instant>,
}

impl Drop for Scope<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        CURRENT.with(|slot| slot.set(self.previous));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn scopes_nest_and_keep_the_earliest() {
        let t0 = std::time::Instant::now();
        let at = |ms| Instant::from_std(t0 + Duration::from_millis(ms));
        assert_eq!(deadline(), None);
        {
            let (a100, a200, a50) = (at(100), at(200), at(50));
            let _outer = enter(Some(&a100));
            assert_eq!(deadline(), Some(at(100)));
            {
                let _later = enter(Some(&a200));
                assert_eq!(deadline(), Some(at(100)), "a later inner deadline changes nothing");
                let _earlier = enter(Some(&a50));
                assert_eq!(deadline(), Some(at(50)));
                let _none = enter(None);
                assert_eq!(deadline(), Some(at(50)));
            }
            assert_eq!(deadline(), Some(at(100)));
        }
        assert_eq!(deadline(), None);
    }

    #[test]
    fn a_panic_inside_a_scope_restores_the_slot() {
        let at = Instant::from_std(std::time::Instant::now());
        let caught = std::panic::catch_unwind(|| {
            let _scope = enter(Some(&at));
            panic!("inside");
        });
        assert!(caught.is_err());
        assert_eq!(deadline(), None);
    }
}
