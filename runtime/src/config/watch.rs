//! `watch_file`: a configuration file, reloaded when its content changes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::source::{ConfigSource, Poller, poll};

/// A file as a [`ConfigSource`]: each fetch reads it whole.
#[derive(Debug, Clone)]
struct File {
    path: PathBuf,
}

impl ConfigSource for File {
    type Error = std::io::Error;

    async fn fetch(&mut self) -> Result<String, std::io::Error> {
        std::fs::read_to_string(&self.path)
    }

    fn describe(&self) -> String {
        format!("`{}`", self.path.display())
    }
}

/// Reads the TOML file at `path` now and every `interval` after (tokio's clock), and puts
/// it in force with [`apply_toml`](super::apply_toml) whenever its content changes: a
/// [`poll`] of the file.
///
/// - A file that does not pass the rules is refused whole and reported (an `ERROR` event,
///   target `resile`, naming the section and the key); the last good configuration stays,
///   and the file is applied again once it changes.
/// - A file that cannot be read (missing, being replaced) is reported (`WARN`) and read again
///   with backoff ([`default_backoff`](super::source::default_backoff)).
/// - The returned [`Poller`] stops the watch when dropped; `detach()` keeps it.
///
/// Polling the content rather than file-system notifications: it sees every change whatever
/// the file system (a network mount, a Kubernetes ConfigMap's swapped symlink, an editor
/// that writes a new file and renames it), it runs on tokio's clock (so a test with a paused
/// clock drives it to the instant), and a change is never missed or half-read between an
/// event and a read. The cost is one read of the file per interval, on the runtime's thread
/// (a configuration file is small; choose an interval of seconds).
///
/// # Panics
/// Outside a tokio runtime, or if `interval` is zero.
pub fn watch_file(path: impl AsRef<Path>, interval: Duration) -> Watcher {
    poll(File { path: path.as_ref().to_owned() }, interval)
}

/// A running [`watch_file`]: a [`Poller`] of the file.
pub type Watcher = Poller;
