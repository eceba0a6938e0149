//! [`all_settled`]: every result of futures run at once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream as _;
use futures::stream::FuturesUnordered;

use super::{Deadline, Guarded, Panic, Timed, guarded};

/// How one future of [`all_settled`] ended.
pub enum Settled<T, E> {
    /// It returned `Ok`.
    Ok(T),
    /// It returned `Err`.
    Err(E),
    /// It panicked: the payload, to inspect or to resume with
    /// [`std::panic::resume_unwind`].
    Panicked(Panic),
    /// It was still running when the timeout expired, and was dropped.
    TimedOut,
}

impl<T, E> Settled<T, E> {
    /// `Some(value)` for [`Settled::Ok`].
    pub fn ok(self) -> Option<T> {
        match self {
            Settled::Ok(value) => Some(value),
            _ => None,
        }
    }

    /// Whether it returned `Ok`.
    pub fn is_ok(&self) -> bool {
        matches!(self, Settled::Ok(_))
    }

    /// The panic message of [`Settled::Panicked`], when it is a string.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            Settled::Panicked(p) => {
                p.downcast_ref::<&'static str>().copied().or_else(|| p.downcast_ref::<String>().map(String::as_str))
            }
            _ => None,
        }
    }
}

impl<T: std::fmt::Debug, E: std::fmt::Debug> std::fmt::Debug for Settled<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Settled::Ok(v) => f.debug_tuple("Ok").field(v).finish(),
            Settled::Err(e) => f.debug_tuple("Err").field(e).finish(),
            Settled::Panicked(_) => f.debug_tuple("Panicked").field(&self.panic_message()).finish(),
            Settled::TimedOut => f.write_str("TimedOut"),
        }
    }
}

impl<T: PartialEq, E: PartialEq> PartialEq for Settled<T, E> {
    /// Two panics are equal when their messages are.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Settled::Ok(a), Settled::Ok(b)) => a == b,
            (Settled::Err(a), Settled::Err(b)) => a == b,
            (Settled::Panicked(_), Settled::Panicked(_)) => self.panic_message() == other.panic_message(),
            (Settled::TimedOut, Settled::TimedOut) => true,
            _ => false,
        }
    }
}

/// Runs every future at once and returns how each ended, in input order: `Ok`, `Err`, or a
/// caught panic ([`Settled::Panicked`]); one failing does not stop the others.
///
/// With `.timeout(d)`, at `d` the futures that finished keep their results and those still
/// running are dropped and reported as [`Settled::TimedOut`]. No bound on the error type.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::combinators::Settled;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let results = resile::all_settled([1, 2, 3].map(|n| async move {
///     if n == 2 { Err(n) } else { Ok(n * 10) }
/// })).await;
/// assert_eq!(results, [Settled::Ok(10), Settled::Err(2), Settled::Ok(30)]);
/// # }
/// ```
pub fn all_settled<I, F, T, E>(futures: I) -> AllSettled<F, T, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>>,
{
    let running: FuturesUnordered<_> = futures.into_iter().enumerate().map(|(i, f)| guarded(i, f)).collect();
    let results = (0..running.len()).map(|_| None).collect();
    AllSettled { running, results }
}

/// The future of [`all_settled`].
#[must_use = "futures do nothing unless awaited"]
pub struct AllSettled<F, T, E> {
    running: FuturesUnordered<Guarded<F>>,
    results: Vec<Option<Settled<T, E>>>,
}

impl<F, T, E> Unpin for AllSettled<F, T, E> {}

impl<F, T, E> std::fmt::Debug for AllSettled<F, T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AllSettled").field("running", &self.running.len()).finish_non_exhaustive()
    }
}

impl<F, T, E> AllSettled<F, T, E> {
    /// At `after`, the futures still running are dropped and settle as
    /// [`Settled::TimedOut`].
    pub fn timeout(self, after: Duration) -> Timed<Self> {
        Timed::new(self, after)
    }

    fn take(&mut self) -> Vec<Settled<T, E>> {
        self.results.drain(..).map(|r| r.unwrap_or(Settled::TimedOut)).collect()
    }
}

impl<F, T, E> Future for AllSettled<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Vec<Settled<T, E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.running).poll_next(cx) {
                Poll::Ready(Some((i, result))) => {
                    this.results[i] = Some(match result {
                        Ok(Ok(value)) => Settled::Ok(value),
                        Ok(Err(error)) => Settled::Err(error),
                        Err(panic) => Settled::Panicked(panic),
                    });
                }
                Poll::Ready(None) => return Poll::Ready(this.take()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<F, T, E> Deadline for AllSettled<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    fn timed_out(&mut self, _after: Duration) -> Vec<Settled<T, E>> {
        self.running.clear();
        self.take()
    }
}
