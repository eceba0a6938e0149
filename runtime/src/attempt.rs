//! [`attempt()`]: which attempt of a retried or hedged call the running code belongs to.
//!
//! # How it works
//! A thread-local number, set around each poll of an attempt's future and put back after
//! it ([`Numbered`]), the way tokio's `task_local!` scopes a value, without its `RefCell` and
//! its "not set" state. Set and restored around every poll, never left set across an
//! `.await`, it follows the attempt, not the thread: a task that moves to another worker
//! thread between two polls, or two hedged attempts polled in turn inside one task, each
//! see their own number. Outside any attempt it reads 1.
//!
//! # Performance
//! The first attempt pays one `Relaxed` load of a process-wide counter per poll: the number
//! of polls of later attempts (2 and up) running right now on any thread. While it is zero,
//! no thread is inside a later attempt, so this thread's number is 1 already and the first
//! attempt is polled as is, with no thread-local access (which costs a dozen instructions or
//! more where the thread-local is reached through the dynamic TLS model). Otherwise (a retry
//! or a hedge somewhere in the process is polling a later attempt) it compares the
//! thread-local number and, only if it differs, sets and restores it as a later attempt does.
//! A later attempt pays, per poll, an increment and a decrement of that counter and two
//! thread-local writes: on the path that already slept and allocated its timer. No allocation.
//!
//! # Orderings
//! `Relaxed` throughout: a thread's own number is changed only by itself, inside a poll it
//! counted first, and a thread always sees its own writes to the counter in program order;
//! other threads' counts can only make a first attempt take the slower, still correct, path.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

/// How many polls of an attempt numbered other than 1 are running, process-wide.
static LATER: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The attempt being polled on this thread; 1 when none is.
    static ATTEMPT: Cell<u32> = const { Cell::new(1) };
}

/// Which attempt of the innermost retried (`#[retry]`, [`Retry`](crate::Retry)) or hedged
/// (`#[hedge]`, [`Hedge`](crate::Hedge)) call the running code belongs to, from 1.
///
/// The second attempt can go to another replica, or send a header that tells the server it
/// is a retry. Inside a hedge, attempts run concurrently in one task, and each sees its own
/// number. In code called from the body (a helper, or a guarded function with neither a
/// retry nor a hedge), the body's number; inside a nested retried or hedged call, that
/// call's own. Outside any, 1.
///
/// The number follows the attempt's future, not the task: a future spawned from the body
/// (`tokio::spawn`) runs outside it and reads 1; pass the number in if it needs it.
///
/// # Cost
/// Reading it: one thread-local read. Keeping it right costs every attempt of a retried or
/// hedged call, whether or not anything reads it: a first attempt, one `Relaxed` load of a
/// process-wide counter and two compares per poll (while no later attempt is being polled
/// anywhere in the process; otherwise a thread-local compare too); a later attempt, per poll,
/// two thread-local writes and an increment and a decrement of that counter. Measured with
/// `benches/probe.sh` (instructions per successful call): `#[retry]` 36 to 52, `#[hedge]` 204
/// to 245. No allocation.
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
    /// An attempt's future, numbered: [`attempt()`] reads `n` inside each of its polls.
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
        // Orderings: see the module docs.
        let _numbered = if *this.n == 1 && LATER.load(Ordering::Relaxed) == 0 { None } else { enter(*this.n) };
        // One poll site, so the attempt's own poll inlines here as it would unwrapped.
        this.future.poll(cx)
    }
}

/// Sets the number to `n` for one poll: the guard puts the number before back when it is
/// dropped (after the poll, or while a panic unwinds), and uncounts a later attempt's poll.
/// `None` if the number is `n` already.
#[cold]
#[inline(never)]
fn enter(n: u32) -> Option<Restore> {
    let outer = ATTEMPT.with(Cell::get);
    if outer == n {
        return None;
    }
    let counted = n != 1;
    if counted {
        LATER.fetch_add(1, Ordering::Relaxed);
    }
    ATTEMPT.with(|a| a.set(n));
    Some(Restore { outer, counted })
}

/// From [`enter`]: puts the number back when dropped.
struct Restore {
    outer: u32,
    counted: bool,
}

impl Drop for Restore {
    #[inline(never)]
    fn drop(&mut self) {
        ATTEMPT.with(|a| a.set(self.outer));
        if self.counted {
            LATER.fetch_sub(1, Ordering::Relaxed);
        }
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
        assert_eq!(seen, [3, 3], "the innermost number wins");
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
