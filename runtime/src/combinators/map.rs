//! [`map`]: an async fn over a collection, with bounded concurrency.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream as _;
use futures::stream::FuturesUnordered;

use super::{Deadline, Guarded, Timed, guarded};
use crate::Rejection;

/// Runs `f` on every item, at most `concurrency` at a time (started in input order, the
/// next as soon as one finishes), and returns every `Ok` in input order.
///
/// The first `Err` ends the call with it: the futures still running are dropped at once and
/// no further item is started. A panic in one future does the same, then is resumed in the
/// caller. With `.timeout(d)`, at `d` everything still running is dropped and the result is
/// `Err(Rejection::TimedOut { after: d })` (through `E: From<Rejection>`).
///
/// # Panics
/// At once if `concurrency` is 0.
///
/// ```
/// # use resile_runtime as resile;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let squares = resile::map(1..=4, 2, |n: u64| async move { Ok::<_, String>(n * n) }).await;
/// assert_eq!(squares, Ok(vec![1, 4, 9, 16]));
/// let failed = resile::map(1..=4, 2, |n: u64| async move {
///     if n == 3 { Err(format!("item {n}")) } else { Ok(n) }
/// }).await;
/// assert_eq!(failed, Err("item 3".to_owned()));
/// # }
/// ```
#[track_caller]
pub fn map<I, G, F, T, E>(items: I, concurrency: usize, f: G) -> Map<I::IntoIter, G, F, T>
where
    I: IntoIterator,
    G: FnMut(I::Item) -> F,
    F: Future<Output = Result<T, E>>,
{
    assert!(concurrency > 0, "resile::map needs a concurrency of at least 1");
    Map { items: items.into_iter().enumerate(), f, concurrency, running: FuturesUnordered::new(), results: Vec::new() }
}

/// The future of [`map`].
#[must_use = "futures do nothing unless awaited"]
pub struct Map<I, G, F, T> {
    items: std::iter::Enumerate<I>,
    f: G,
    concurrency: usize,
    running: FuturesUnordered<Guarded<F>>,
    results: Vec<Option<T>>,
}

impl<I, G, F, T> Unpin for Map<I, G, F, T> {}

impl<I, G, F, T> std::fmt::Debug for Map<I, G, F, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Map")
            .field("concurrency", &self.concurrency)
            .field("running", &self.running.len())
            .finish_non_exhaustive()
    }
}

impl<I, G, F, T, E> Map<I, G, F, T>
where
    I: Iterator,
    G: FnMut(I::Item) -> F,
    F: Future<Output = Result<T, E>>,
{
    /// Ends the call at `after` with `Err(Rejection::TimedOut { after })`.
    pub fn timeout(self, after: Duration) -> Timed<Self>
    where
        E: From<Rejection>,
    {
        Timed::new(self, after)
    }
}

impl<I, G, F, T, E> Future for Map<I, G, F, T>
where
    I: Iterator,
    G: FnMut(I::Item) -> F,
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            while this.running.len() < this.concurrency {
                let Some((i, item)) = this.items.next() else { break };
                this.results.push(None);
                this.running.push(guarded(i, (this.f)(item)));
            }
            match Pin::new(&mut this.running).poll_next(cx) {
                Poll::Ready(Some((i, Ok(Ok(value))))) => this.results[i] = Some(value),
                Poll::Ready(Some((_, Ok(Err(error))))) => {
                    this.running.clear(); // the rest, dropped at once
                    return Poll::Ready(Err(error));
                }
                Poll::Ready(Some((_, Err(panic)))) => {
                    this.running.clear();
                    std::panic::resume_unwind(panic);
                }
                Poll::Ready(None) => {
                    let results = std::mem::take(&mut this.results);
                    return Poll::Ready(Ok(results.into_iter().map(|r| r.expect("every item finished")).collect()));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<I, G, F, T, E> Deadline for Map<I, G, F, T>
where
    I: Iterator,
    G: FnMut(I::Item) -> F,
    F: Future<Output = Result<T, E>>,
    E: From<Rejection>,
{
    fn timed_out(&mut self, after: Duration) -> Result<Vec<T>, E> {
        self.running.clear();
        Err(E::from(Rejection::TimedOut { after }))
    }
}
