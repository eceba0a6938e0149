//! [`first_ok`]: a sequential fallback chain.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream as _;
use futures::stream::FuturesUnordered;

use super::{Deadline, Guarded, Panic, Timed, guarded};
use crate::Rejection;

/// Runs the futures one at a time, in order, and returns the first `Ok`: the next starts
/// only after the previous one failed, and none starts after an `Ok` (cache, then database,
/// then API).
///
/// A panic is skipped like an `Err`. If none returns `Ok`, the result is the last `Err`, or,
/// when every future panicked, the first panic is resumed. With `.timeout(d)`, `d` is the
/// budget of the whole chain: at `d`, the running future is dropped and the result is
/// `Err(Rejection::TimedOut { after: d })` (through `E: From<Rejection>`).
///
/// # Panics
/// At once if `futures` is empty.
///
/// ```
/// # use resile_runtime as resile;
/// use futures::FutureExt as _;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let cache = async { Err::<String, _>("miss") }.boxed();
/// let database = async { Ok("row".to_owned()) }.boxed();
/// assert_eq!(resile::first_ok([cache, database]).await, Ok("row".to_owned()));
/// # }
/// ```
#[track_caller]
pub fn first_ok<I, F, T, E>(futures: I) -> FirstOk<I::IntoIter, F, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>>,
{
    let mut rest = futures.into_iter().peekable();
    assert!(rest.peek().is_some(), "resile::first_ok needs at least one future");
    FirstOk { rest, current: FuturesUnordered::new(), error: None, panic: None }
}

/// The future of [`first_ok`].
#[must_use = "futures do nothing unless awaited"]
pub struct FirstOk<I: Iterator, F, E> {
    rest: std::iter::Peekable<I>,
    /// The one running future (a `FuturesUnordered` of at most one, for pinning).
    current: FuturesUnordered<Guarded<F>>,
    error: Option<E>,
    panic: Option<Panic>,
}

impl<I: Iterator, F, E> Unpin for FirstOk<I, F, E> {}

impl<I: Iterator, F, E> std::fmt::Debug for FirstOk<I, F, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstOk").field("running", &self.current.len()).finish_non_exhaustive()
    }
}

impl<I, F, T, E> FirstOk<I, F, E>
where
    I: Iterator<Item = F>,
    F: Future<Output = Result<T, E>>,
{
    /// Gives the whole chain `after`: then it ends with `Err(Rejection::TimedOut { after })`.
    pub fn timeout(self, after: Duration) -> Timed<Self>
    where
        E: From<Rejection>,
    {
        Timed::new(self, after)
    }
}

impl<I, F, T, E> Future for FirstOk<I, F, E>
where
    I: Iterator<Item = F>,
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let this = self.get_mut();
        loop {
            if this.current.is_empty() {
                match this.rest.next() {
                    Some(next) => this.current.push(guarded(0, next)),
                    None => {
                        return match (this.error.take(), this.panic.take()) {
                            (Some(error), _) => Poll::Ready(Err(error)),
                            (None, Some(panic)) => std::panic::resume_unwind(panic),
                            (None, None) => panic!("resile::first_ok polled after it completed"),
                        };
                    }
                }
            }
            match Pin::new(&mut this.current).poll_next(cx) {
                Poll::Ready(Some((_, Ok(Ok(value))))) => return Poll::Ready(Ok(value)),
                Poll::Ready(Some((_, Ok(Err(error))))) => this.error = Some(error),
                Poll::Ready(Some((_, Err(panic)))) => {
                    this.panic.get_or_insert(panic);
                }
                Poll::Ready(None) => unreachable!("a future is running"),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<I, F, T, E> Deadline for FirstOk<I, F, E>
where
    I: Iterator<Item = F>,
    F: Future<Output = Result<T, E>>,
    E: From<Rejection>,
{
    fn timed_out(&mut self, after: Duration) -> Result<T, E> {
        self.current.clear();
        Err(E::from(Rejection::TimedOut { after }))
    }
}
