//! What a simulation hears from the policies under test: rejections by kind, hedges,
//! retries and breaker transitions, from the telemetry funnel, on the run's thread.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::report::Rejections;
use crate::Rejection;
use crate::State;
use crate::telemetry::event::Event;

thread_local! {
    /// The probe of the simulation running on this thread.
    static PROBE: RefCell<Option<Probe>> = const { RefCell::new(None) };
}

/// How many probes are installed, process-wide: while it is zero, the funnel pays one
/// `Relaxed` load for this module.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Whether a probe is installed anywhere in the process.
#[inline(always)]
pub(crate) fn live() -> bool {
    // Orderings: `Relaxed`: a probe is installed and read on one thread, which sees its own
    // store; other threads only build events they did not need to.
    LIVE.load(Ordering::Relaxed) != 0
}

/// What one simulation heard.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    /// Breakers open now, and since when.
    open: Vec<(&'static str, Instant)>,
    pub(crate) open_time: Duration,
    pub(crate) openings: u64,
    pub(crate) rejections: Rejections,
    pub(crate) hedges: u64,
    pub(crate) retries: u64,
}

fn is_open(state: State) -> bool {
    matches!(state, State::Open | State::ForcedOpen)
}

impl Probe {
    fn on(&mut self, event: &Event<'_>) {
        match event {
            Event::StateChange { name, from, to, .. } => {
                let now = Instant::now();
                if is_open(*to) && !self.open.iter().any(|(n, _)| n == name) {
                    self.open.push((name, now));
                    self.openings += 1;
                } else if is_open(*from)
                    && !is_open(*to)
                    && let Some(i) = self.open.iter().position(|(n, _)| n == name)
                {
                    let (_, since) = self.open.swap_remove(i);
                    self.open_time += now - since;
                }
            }
            Event::Rejected { rejection, .. } => {
                let r = &mut self.rejections;
                match rejection {
                    Rejection::CircuitOpen { .. } => r.circuit_open += 1,
                    Rejection::BulkheadFull { .. } => r.bulkhead_full += 1,
                    Rejection::RateLimited { .. } => r.rate_limited += 1,
                    Rejection::TimedOut { .. } => r.timed_out += 1,
                    Rejection::NoBackend { .. } => r.other += 1,
                }
            }
            Event::HedgeFired { .. } => self.hedges += 1,
            Event::Retry { .. } => self.retries += 1,
            _ => {}
        }
    }
}

/// Gives `event` to this thread's probe, if any.
#[inline]
pub(crate) fn observe(event: &Event<'_>) {
    if live() {
        let _ = PROBE.try_with(|probe| {
            if let Some(probe) = probe.borrow_mut().as_mut() {
                probe.on(event);
            }
        });
    }
}

/// A probe installed on this thread until [`finish`](Installed::finish) or drop.
pub(crate) struct Installed(());

impl Installed {
    /// Installs a fresh probe on this thread.
    ///
    /// # Panics
    /// If a simulation already runs on this thread.
    pub(crate) fn new() -> Self {
        PROBE.with(|probe| {
            let mut probe = probe.borrow_mut();
            assert!(
                probe.is_none(),
                "resile::sim: a simulation is already running on this thread; run simulations one after the other"
            );
            *probe = Some(Probe::default());
        });
        LIVE.fetch_add(1, Ordering::Relaxed);
        Installed(())
    }

    /// What the probe heard, breakers still open counted as open until `end`.
    pub(crate) fn finish(self, end: Instant) -> Probe {
        let mut probe = PROBE.with(|probe| probe.borrow_mut().take()).unwrap_or_default();
        for (_, since) in probe.open.drain(..) {
            probe.open_time += end.saturating_duration_since(since);
        }
        probe
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = PROBE.try_with(|probe| probe.borrow_mut().take());
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}
