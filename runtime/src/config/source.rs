//! [`ConfigSource`], a control plane's configuration, and [`poll`], which fetches it at an
//! interval and backs off while it fails.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use crate::retry::{Backoff, Jitter, RetryConfig};

/// A control plane that serves the configuration as the TOML text [`apply_toml`](super::apply_toml)
/// takes: a configuration service, a key in a key-value store, a file.
///
/// One `fetch` returns the whole configuration, every section the service wants in force.
/// A failed fetch (the service is unreachable) keeps the configuration in force and is
/// retried with backoff; a configuration that does not pass the rules is refused whole, and
/// the last good one stays (see [`poll`]).
///
/// Text rather than typed settings: one format and one set of rules for files, services
/// and operators, whose messages name the section and the key; a service that holds typed
/// settings writes them as TOML in a few lines (or calls each handle's `reconfigure`
/// itself).
///
/// An async closure returning `Result<String, E>` is a source:
/// ```
/// # use resile_runtime as resile;
/// use resile::config::ConfigSource;
///
/// fn source() -> impl ConfigSource {
///     || async { Ok::<_, std::io::Error>(String::from("[rate_limit.api]\nrate = 100.0\n")) }
/// }
/// # let _ = source();
/// ```
pub trait ConfigSource: Send + 'static {
    /// Why a fetch failed.
    type Error: Display + Send;

    /// The configuration now, as TOML text.
    fn fetch(&mut self) -> impl Future<Output = Result<String, Self::Error>> + Send;

    /// What the source is, for the events that report it: `control plane`, a file's path.
    fn describe(&self) -> String {
        String::from("the configuration source")
    }
}

impl<F, Fut, E> ConfigSource for F
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<String, E>> + Send,
    E: Display + Send,
{
    type Error = E;

    fn fetch(&mut self) -> impl Future<Output = Result<String, E>> + Send {
        self()
    }
}

/// A running [`poll`] (or `watch_file`): the task that fetches and applies. Dropping it
/// stops the task (it is aborted at its next await point, between two fetches or during
/// one; an `apply_toml` under way is synchronous and finishes first). [`detach`](Self::detach)
/// keeps it running for the life of the runtime.
#[derive(Debug)]
#[must_use = "dropping a `Poller` stops it; call `detach()` to keep it running"]
pub struct Poller {
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Poller {
    /// Stops the task now (as dropping the `Poller` does).
    pub fn stop(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Keeps the task running after the `Poller` is dropped, until the runtime shuts down.
    pub fn detach(mut self) {
        self.task = None;
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The backoff [`poll`] uses while its source fails: the `n`-th failure in a row waits
/// `interval × 2^(n-1)`, capped at 5 minutes (or at `interval` if that is longer), with no
/// jitter. The first retry comes after one interval, as a fetch would; a source that
/// recovers is fetched at the interval again.
pub fn default_backoff(interval: Duration) -> RetryConfig {
    RetryConfig::new()
        .max(u32::MAX)
        .backoff(Backoff::Exponential)
        .multiplier(2.0)
        .base_delay(interval)
        .max_delay(if interval > MAX_BACKOFF { interval } else { MAX_BACKOFF })
        .jitter(Jitter::None)
}

const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Fetches `source` now and then every `interval` (tokio's clock), and puts each new
/// configuration in force with [`apply_toml`](super::apply_toml); see
/// [`poll_with_backoff`] for the backoff, which here is [`default_backoff`].
///
/// # Panics
/// Outside a tokio runtime (it spawns a task), or if `interval` is zero.
pub fn poll(source: impl ConfigSource, interval: Duration) -> Poller {
    poll_with_backoff(source, interval, default_backoff(interval))
}

/// [`poll`], waiting as `backoff` says while the source fails: after the `n`-th failure in
/// a row, the delay `#[retry]` with this configuration sleeps before retry `n` (`max`,
/// `budget` and `retry_if` play no part; jitter does).
///
/// - A fetched text equal to the last one fetched is not applied again.
/// - A new text is applied whole or not at all: a refused one is reported (an `ERROR`
///   event, target `resile`, naming the section and the key) and the last good
///   configuration stays; it is not reported again until the text changes.
/// - A failed fetch is reported (`WARN`, with the error's `Display` and the delay) and
///   retried after the backoff delay; the first success after failures is reported
///   (`INFO`) and the interval resumes.
///
/// # Panics
/// Outside a tokio runtime, if `interval` is zero, or if `backoff` is invalid (see
/// [`RetryConfig::validate`]).
pub fn poll_with_backoff(source: impl ConfigSource, interval: Duration, backoff: RetryConfig) -> Poller {
    assert!(!interval.is_zero(), "`poll` needs an interval greater than zero");
    if let Err(e) = backoff.validate() {
        panic!("invalid backoff for `poll`: {e}");
    }
    Poller { task: Some(tokio::spawn(run(source, interval, backoff))) }
}

async fn run<S: ConfigSource>(mut source: S, interval: Duration, backoff: RetryConfig) {
    let what = source.describe();
    let mut last: Option<String> = None;
    let mut failures: u32 = 0;
    let mut previous = Duration::ZERO;
    loop {
        let delay = match source.fetch().await {
            Ok(text) => {
                if failures > 0 {
                    tracing::info!(target: "resile", source = %what, failures, "{what} answers again after {failures} failed fetches");
                }
                failures = 0;
                if last.as_deref() != Some(text.as_str()) {
                    if let Err(e) = super::apply_toml(&text) {
                        tracing::error!(
                            target: "resile",
                            source = %what,
                            error = %e,
                            "configuration from {what} refused, the last good configuration stays: {e}",
                        );
                    }
                    last = Some(text);
                }
                interval
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let delay = crate::retry::backoff::sleep(&backoff, failures, previous, &mut fastrand::f64);
                previous = delay;
                tracing::warn!(
                    target: "resile",
                    source = %what,
                    error = %e,
                    failures,
                    delay_ms = delay.as_millis() as u64,
                    "fetching the configuration from {what} failed ({failures} in a row), retrying in {delay:?}: {e}",
                );
                delay
            }
        };
        tokio::time::sleep(delay).await;
    }
}
