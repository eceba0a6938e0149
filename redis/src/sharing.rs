//! [`Sharing`]: the breakers this replica shares through Redis, and the queue of its own
//! openings to publish. A shared breaker gets a [`StateListener`] that queues
//! `(name, time left open)` when it opens of its own accord; an opening taken from another
//! replica ([`Sharing::adopt`]) is not queued again. The backend owns one `Sharing`; the
//! task of [`breaker`](crate::breaker) carries its openings to and from Redis.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use resile_runtime::State;
use resile_runtime::circuit_breaker::{CircuitBreaker, StateListener};
use tokio::sync::mpsc;

use crate::options::Options;

/// One opening to publish.
#[derive(Debug)]
pub(crate) struct Opening {
    pub(crate) name: &'static str,
    pub(crate) left: Duration,
}

/// A breaker shared through Redis, in this process.
struct Shared {
    name: &'static str,
    /// `None` until a breaker of that name exists in this process.
    breaker: Option<&'static CircuitBreaker>,
    /// Set while this replica opens the breaker for another's message, so that the
    /// listener does not publish it back.
    adopting: Arc<AtomicBool>,
}

/// The shared breakers of one backend, and the queue of openings to publish.
pub(crate) struct Sharing {
    shared: Mutex<Vec<Shared>>,
    tx: mpsc::UnboundedSender<Opening>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Opening>>>,
    /// This replica's identity in messages (its own are skipped).
    pub(crate) replica: u64,
    /// The channel of the openings: `PREFIX:cb`.
    pub(crate) channel: String,
    prefix: String,
}

impl Sharing {
    pub(crate) fn new(options: &Options) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Sharing {
            shared: Mutex::new(Vec::new()),
            tx,
            rx: Mutex::new(Some(rx)),
            replica: fastrand::u64(..),
            channel: format!("{}:cb", options.key_prefix),
            prefix: options.key_prefix.clone(),
        }
    }

    /// The key of the breaker `name`'s opening: `PREFIX:cb:NAME`.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}:cb:{name}", self.prefix)
    }

    /// Shares the breaker `name`: `breaker` now, or the registry's breaker of that name
    /// once it exists.
    pub(crate) fn share(&self, name: &'static str, breaker: Option<&'static CircuitBreaker>) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if shared.iter().any(|s| s.name == name && s.breaker.is_some() && breaker.is_none()) {
            return;
        }
        let entry = Shared { name, breaker: None, adopting: Arc::new(AtomicBool::new(false)) };
        shared.push(entry);
        let last = shared.len() - 1;
        if let Some(breaker) = breaker {
            self.attach(&mut shared[last], breaker);
        }
    }

    /// Listens to `breaker`'s openings.
    fn attach(&self, shared: &mut Shared, breaker: &'static CircuitBreaker) {
        shared.breaker = Some(breaker);
        let (tx, adopting, name) = (self.tx.clone(), shared.adopting.clone(), shared.name);
        let listener: StateListener = Arc::new(move |breaker: &CircuitBreaker, _from: State, to: State| {
            // Orderings: `Acquire` pairs with the `Release` store around `open_for`.
            if to == State::Open
                && !adopting.load(Ordering::Acquire)
                && let Some(left) = breaker.half_open_in()
                && !left.is_zero()
            {
                let _ = tx.send(Opening { name, left });
            }
        });
        breaker.listen(listener);
        // Already open when shared: publish that too.
        if breaker.state() == State::Open
            && let Some(left) = breaker.half_open_in()
            && !left.is_zero()
        {
            let _ = self.tx.send(Opening { name: shared.name, left });
        }
    }

    /// The queue of this replica's openings, once: for the task that publishes them.
    pub(crate) fn take_openings(&self) -> Option<mpsc::UnboundedReceiver<Opening>> {
        self.rx.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Finds the breakers shared by name that exist now.
    pub(crate) fn resolve(&self) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        for i in 0..shared.len() {
            if shared[i].breaker.is_none()
                && let Some(breaker) = resile_runtime::circuit_breaker(shared[i].name).get()
            {
                self.attach(&mut shared[i], breaker);
            }
        }
    }

    /// Another replica's opening of `name`, with `left` to go.
    pub(crate) fn adopt(&self, name: &str, left: Duration) {
        let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        for s in shared.iter().filter(|s| s.name == name) {
            if let Some(breaker) = s.breaker {
                // Orderings: `Release`/`Acquire` with the listener, which runs on this
                // thread inside `open_for` (or, when another thread is reporting this
                // breaker's changes at that moment, a little later: then the opening may
                // be published once more, which every replica takes as a no-op, an open
                // breaker being only lengthened and no state change being reported).
                s.adopting.store(true, Ordering::Release);
                if breaker.open_for(left) {
                    tracing::info!(
                        target: "resile",
                        backend = "redis",
                        resilience.policy = "circuit_breaker",
                        resilience.name = s.name,
                        "circuit breaker `{}` opened for {left:?}: another replica published its opening",
                        s.name
                    );
                }
                s.adopting.store(false, Ordering::Release);
            }
        }
    }

    /// The names of the shared breakers that exist in this process.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<_> = shared.iter().filter(|s| s.breaker.is_some()).map(|s| s.name).collect();
        names.dedup();
        names
    }
}
