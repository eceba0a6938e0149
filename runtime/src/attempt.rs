//! [`attempt()`]: which attempt of a retried or hedged call the running code belongs to.
//!
//! # How it works
//! A thread-local number, 1 unless set. A later attempt (2 and up) is polled through
//! [`Numbered`], which raises the number to its own around each poll, if it is higher, and
//! puts the one before back after it (also when the poll panics): the way tokio's
//! `task_local!` scopes a value, without its `RefCell` and its "not set" state. Set and
//! restored around every poll, never left set across an `.await`, it follows the attempt,
//! not the thread: a task that moves to another worker thread between two polls, or two
//! hedged attempts polled in turn inside one task, each see their own number.
//!
//! A first attempt sets nothing: the number it reads is that of the attempt it runs in, if
//! any, or 1. So the number is the highest of the enclosing retried or hedged calls'
//! attempts, and a first attempt never pays for it: the retry loop awaits a first attempt
//! as it is and only a later one through [`Numbered`]; a hedge numbers only its extra
//! attempts.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// The number [`attempt()`] reads on this thread: 1 outside any later attempt.
    static ATTEMPT: Cell<u32> = const { Cell::new(1) };
}

/// Which attempt the running code belongs to, from 1: inside a retried (`#[retry]`,
/// [`Retry`](crate::Retry)) or hedged (`#[hedge]`, [`Hedge`](crate::Hedge)) call, its attempt's
/// number, so the second attempt can go to another replica, or send a header that tells the
/// server it is a retry. Hedged attempts run concurrently in one task, and each sees its own
/// number. Outside any, 1.
///
/// Nested retried or hedged calls: the highest of their attempts' numbers, so a retry
/// anywhere up the call chain counts as one here. Inside attempt 2 of an outer retry, a
/// nested retried call reads 2 in its attempts 1 and 2, 3 in its attempt 3; inside the outer
/// first attempt, 1, 2, 3. (Reading the innermost call's own number instead would make every
/// first attempt pay a thread-local check on every poll; see *Cost*.)
///
/// The number follows the attempt's future, not the task: a future spawned from the body
/// (`tokio::spawn`) runs outside it and reads 1; pass the number in if it needs it.
///
/// # Cost
/// Reading it: one thread-local read. A first attempt pays nothing: it is awaited as it is
/// (by a hedge, and by a retry loop, which compares the attempt number once per attempt to
/// pick the await). A later attempt pays, per poll, a thread-local read and, when it raises
/// the number, two thread-local writes, on the path that already slept and allocated its
/// timer. Below a `#[timeout]` inside a `#[retry]`, the timeout's future holds the attempt
/// through [`Numbered`], which checks `n > 1` on each poll. No allocation, no atomic.
/// Measured with `benches/probe.sh` (instructions per successful call, before and after):
/// `#[retry]` 36 and 43 (the compare and the loop's second await of the attempt), `#[hedge]`
/// 204 and 204, `#[retry] #[circuit_breaker] #[timeout]` 281 and 287.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::retry::{Jitter, Retry, RetryConfig};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// const REPLICAS: [&str; 2] = ["db-a", "db-b"];
/// let retry: Retry<String> = Retry::new(RetryConfig::new().max(3).jitter(Jitter::None));
/// let served = retry
///     .call(|| async {
///         let replica = REPLICAS[(resile::attempt() as usize - 1) % REPLICAS.len()];
///         if replica == "db-a" { Err(format!("{replica} is down")) } else { Ok(replica) }
///     })
///     .await;
/// assert_eq!(served, Ok("db-b"));
/// assert_eq!(resile::attempt(), 1, "outside any attempt");
/// # }
/// ```
#[inline]
pub fn attempt() -> u32 {
    ATTEMPT.with(Cell::get)
}

pin_project_lite::pin_project! {
    /// An attempt's future, numbered: [`attempt()`] reads at least `n` inside each of its
    /// polls. For a later attempt (`n > 1`); a first attempt needs no wrapper.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Numbered<F> {
        n: u32,
        #[pin]
        future: F,
    }
}

impl<F> Numbered<F> {
    /// `future` as attempt `n` (from 1).
    #[inline(always)]
    pub fn new(n: u32, future: F) -> Self {
        Numbered { n, future }
    }
}

impl<F: Future> Future for Numbered<F> {
    type Output = F::Output;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _raised = if *this.n > 1 { raise(*this.n) } else { None };
        // One poll site, so the attempt's own poll inlines here as it would unwrapped.
        this.future.poll(cx)
    }
}

/// Raises the number to `n` for one poll, if it is lower: the guard puts the number before
/// back when it is dropped (after the poll, or while a panic unwinds).
#[cold]
#[inline(never)]
fn raise(n: u32) -> Option<Restore> {
    let outer = ATTEMPT.with(Cell::get);
    if outer >= n {
        return None;
    }
    ATTEMPT.with(|a| a.set(n));
    Some(Restore(outer))
}

/// From [`raise`]: puts the number back when dropped.
struct Restore(u32);

impl Drop for Restore {
    #[inline(never)]
    fn drop(&mut self) {
        ATTEMPT.with(|a| a.set(self.0));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn each_poll_sees_its_own_number_and_the_outer_one_comes_back() {
        let waker = std::task::Waker::noop();
        let cx = &mut Context::from_waker(waker);
        let mut seen = Vec::new();
        let mut inner = std::pin::pin!(Numbered::new(
            3,
            std::future::poll_fn(|_| {
                seen.push(attempt());
                if seen.len() < 2 { Poll::Pending } else { Poll::Ready(()) }
            })
        ));
        assert_eq!(inner.as_mut().poll(cx), Poll::Pending);
        assert_eq!(attempt(), 1, "put back between polls");
        let mut outer = std::pin::pin!(Numbered::new(2, std::future::poll_fn(|cx| inner.as_mut().poll(cx))));
        assert_eq!(outer.as_mut().poll(cx), Poll::Ready(()));
        assert_eq!(attempt(), 1);
        assert_eq!(seen, [3, 3], "the higher number wins");
        let mut lower = std::pin::pin!(Numbered::new(2, std::future::poll_fn(|_| Poll::Ready(attempt()))));
        let mut outer = std::pin::pin!(Numbered::new(3, std::future::poll_fn(|cx| lower.as_mut().poll(cx))));
        assert_eq!(outer.as_mut().poll(cx), Poll::Ready(3), "a lower number inside a higher one");
        let mut first = std::pin::pin!(Numbered::new(1, std::future::poll_fn(|_| Poll::Ready(attempt()))));
        assert_eq!(first.as_mut().poll(cx), Poll::Ready(1));
    }

    #[test]
    fn a_panicking_poll_puts_the_outer_number_back() {
        let waker = std::task::Waker::noop();
        let cx = &mut Context::from_waker(waker);
        let mut fut = std::pin::pin!(Numbered::new(
            5,
            std::future::poll_fn(|_| -> Poll<()> {
                assert_eq!(attempt(), 5);
                panic!("attempt 5 panics")
            })
        ));
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(cx)));
        assert!(caught.is_err());
        assert_eq!(attempt(), 1);
    }
}
