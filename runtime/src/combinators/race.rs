//! [`race`]: the first `Ok` of futures run at once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream as _;
use futures::stream::FuturesUnordered;

use super::{Deadline, Guarded, Panic, Timed, guarded};
use crate::Rejection;

/// Runs every future at once and returns the first `Ok`, dropping the others at once.
///
/// An `Err` or a panic of one future does not end the race: if no future returns `Ok`, the
/// result is the last `Err`, or, when every future panicked, the first panic is resumed.
/// With `.timeout(d)`, the race ends at `d` with `Err(Rejection::TimedOut { after: d })`
/// (through `E: From<Rejection>`), every future dropped.
///
/// # Panics
/// At once if `futures` is empty: a race needs at least one future.
///
/// ```
/// # use resile_runtime as resile;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let fast = async { Ok::<_, String>("fast") };
/// let failed = async { Err::<&str, _>("down".to_owned()) };
/// assert_eq!(resile::race([futures::FutureExt::boxed(failed), futures::FutureExt::boxed(fast)]).await, Ok("fast"));
/// # }
/// ```
#[track_caller]
pub fn race<I, F, T, E>(futures: I) -> Race<F, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>>,
{
    let running: FuturesUnordered<_> = futures.into_iter().enumerate().map(|(i, f)| guarded(i, f)).collect();
    assert!(!running.is_empty(), "resile::race needs at least one future");
    Race { running, error: None, panic: None }
}

/// The future of [`race`].
#[must_use = "futures do nothing unless awaited"]
pub struct Race<F, E> {
    running: FuturesUnordered<Guarded<F>>,
    error: Option<E>,
    panic: Option<Panic>,
}

impl<F, E> Unpin for Race<F, E> {}

impl<F, E> std::fmt::Debug for Race<F, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Race").field("running", &self.running.len()).finish_non_exhaustive()
    }
}

impl<F, T, E> Race<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    /// Ends the race at `after` with `Err(Rejection::TimedOut { after })`.
    pub fn timeout(self, after: Duration) -> Timed<Self>
    where
        E: From<Rejection>,
    {
        Timed::new(self, after)
    }
}

impl<F, T, E> Future for Race<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.running).poll_next(cx) {
                Poll::Ready(Some((_, Ok(Ok(value))))) => {
                    this.running.clear(); // the losers, dropped at once
                    return Poll::Ready(Ok(value));
                }
                Poll::Ready(Some((_, Ok(Err(error))))) => this.error = Some(error),
                Poll::Ready(Some((_, Err(panic)))) => {
                    this.panic.get_or_insert(panic);
                }
                Poll::Ready(None) => {
                    return match (this.error.take(), this.panic.take()) {
                        (Some(error), _) => Poll::Ready(Err(error)),
                        (None, Some(panic)) => std::panic::resume_unwind(panic),
                        (None, None) => panic!("resile::race polled after it completed"),
                    };
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<F, T, E> Deadline for Race<F, E>
where
    F: Future<Output = Result<T, E>>,
    E: From<Rejection>,
{
    fn timed_out(&mut self, after: Duration) -> Result<T, E> {
        self.running.clear();
        Err(E::from(Rejection::TimedOut { after }))
    }
}
