//! Combinators over futures that return `Result`: [`race`], [`all_settled`], [`map`] and
//! [`first_ok`], each with an optional overall timeout (`.timeout(d)`).
//!
//! They run their futures concurrently inside the caller's task (nothing is spawned, so
//! the futures may borrow), on [`FuturesUnordered`](futures::stream::FuturesUnordered), and
//! drop the futures they no longer need at once: a loser of a race, what is still running
//! when a `map` fails, everything at a timeout.
//!
//! | combinator | runs | result | an `Err` | a panicking future | `.timeout(d)` expires | the others |
//! |---|---|---|---|---|---|---|
//! | [`race`] | all at once | the first `Ok` | skipped; if none is `Ok`, the last `Err` | skipped like an `Err`; if every one panicked, the first panic is resumed | `Err(Rejection::TimedOut)` | dropped at the first `Ok` |
//! | [`all_settled`] | all at once | every result, in input order ([`Settled`]) | kept as [`Settled::Err`] | caught as [`Settled::Panicked`] | the finished keep their results, the others are [`Settled::TimedOut`] | none: each settles |
//! | [`map`] | at most `concurrency` at a time, in input order | every `Ok`, in input order | ends the call with it | the panic is resumed, after the others are dropped | `Err(Rejection::TimedOut)` | dropped at the first `Err` (or panic) |
//! | [`first_ok`] | one at a time, in order | the first `Ok` | the next one starts | skipped like an `Err`; if every one panicked, the first panic is resumed | `Err(Rejection::TimedOut)`: one budget for the whole chain | never started after the first `Ok` |
//!
//! A timeout needs `E: From<Rejection>` (as the attributes do); without `.timeout(d)`, any
//! `E` works. All timing reads tokio's clock. Like a `#[timeout]`, `.timeout(d)` publishes
//! its deadline to the futures it runs ([`deadline()`](crate::deadline())), so a retry or a
//! hedge in them starts no sleep or attempt past it.
//!
//! ```
//! use std::time::Duration;
//! # use resile_runtime as resile;
//! use resile::Rejection;
//! use tokio::time::sleep;
//!
//! async fn replica(delay_ms: u64, ok: bool) -> Result<u64, Rejection> {
//!     sleep(Duration::from_millis(delay_ms)).await;
//!     if ok { Ok(delay_ms) } else { Err(Rejection::TimedOut { after: Duration::ZERO }) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! // The fastest `Ok` wins; the slower replica is dropped.
//! assert_eq!(resile::race([replica(30, true), replica(10, false), replica(20, true)]).await, Ok(20));
//! // Nobody answers within 5 ms.
//! let after = Duration::from_millis(5);
//! assert_eq!(resile::race([replica(30, true)]).timeout(after).await, Err(Rejection::TimedOut { after }));
//! // At most 2 at a time, results in input order.
//! let lengths = resile::map(["a", "bb", "ccc"], 2, |s| async move { Ok::<_, Rejection>(s.len()) }).await;
//! assert_eq!(lengths, Ok(vec![1, 2, 3]));
//! // cache, then database: the database is asked only because the cache failed.
//! assert_eq!(resile::first_ok([replica(1, false), replica(5, true)]).await, Ok(5));
//! # }
//! ```
//!
//! Futures of different types go in one list boxed (`futures::FutureExt::boxed`) or as
//! `futures::future::Either`. Rust futures do nothing until polled, so `first_ok([a(), b()])`
//! starts `b()` only after `a()` failed.

mod all_settled;
mod first_ok;
mod map;
mod race;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Sleep;

pub use all_settled::{AllSettled, Settled, all_settled};
pub use first_ok::{FirstOk, first_ok};
pub use map::{Map, map};
pub use race::{Race, race};

/// The payload of a caught panic, as [`std::panic::catch_unwind`] gives it.
pub type Panic = Box<dyn std::any::Any + Send + 'static>;

/// A combinator that a timeout can end: what its result is when the deadline comes first.
pub trait Deadline: Future + Unpin {
    /// The result at the deadline, `after` the start; what is still running is dropped.
    fn timed_out(&mut self, after: Duration) -> Self::Output;
}

/// A combinator with an overall timeout, from `.timeout(d)`: the deadline is set at the
/// first poll, and published to the futures it runs as a `#[timeout]` publishes its own
/// ([`deadline()`](crate::deadline())): a retry or a hedge in them starts no sleep or attempt
/// past it.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Timed<C> {
    inner: C,
    after: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<C> Timed<C> {
    fn new(inner: C, after: Duration) -> Self {
        Timed { inner, after, sleep: None }
    }
}

impl<C: Deadline> Future for Timed<C> {
    type Output = C::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C::Output> {
        let this = self.get_mut();
        let after = this.after;
        let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(after)));
        // The timer is polled outside the cooperative budget if the futures spent it.
        let had_budget = tokio::task::coop::has_budget_remaining();
        let polled = {
            let deadline = sleep.deadline();
            let _scope = crate::deadline::enter(Some(&deadline));
            Pin::new(&mut this.inner).poll(cx)
        };
        if let Poll::Ready(out) = polled {
            return Poll::Ready(out);
        }
        match crate::timeout::poll_timer(had_budget, sleep.as_mut(), cx) {
            Poll::Ready(()) => Poll::Ready(this.inner.timed_out(after)),
            Poll::Pending => Poll::Pending,
        }
    }
}

pin_project_lite::pin_project! {
    /// A future that remembers its place in the input.
    struct Indexed<F> {
        index: usize,
        #[pin]
        fut: F,
    }
}

impl<F: Future> Future for Indexed<F> {
    type Output = (usize, F::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let index = *this.index;
        this.fut.poll(cx).map(|out| (index, out))
    }
}

/// `fut`, its panic caught, numbered `index`.
fn guarded<F: Future>(index: usize, fut: F) -> Indexed<futures::future::CatchUnwind<std::panic::AssertUnwindSafe<F>>> {
    use futures::FutureExt as _;
    Indexed { index, fut: std::panic::AssertUnwindSafe(fut).catch_unwind() }
}

/// The future type [`guarded`] makes.
type Guarded<F> = Indexed<futures::future::CatchUnwind<std::panic::AssertUnwindSafe<F>>>;
