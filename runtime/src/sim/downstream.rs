//! [`Downstream`]: the simulated service a policy stack calls, and [`Fault`], what a call
//! fails with. What goes wrong with it over time ([`Incident`](crate::faults::Incident),
//! [`Incidents`]) is the fault vocabulary it shares with `#[chaos]` (`crate::faults`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use tokio::time::Instant;

use crate::faults::{Incident, Incidents, Latency, check_rate, combine, nanos};
use crate::{AsRejection, Rejection};

/// What a simulated call fails with: the downstream's own failure, or a policy's refusal.
/// Implements `From<Rejection>`, so an annotated function or a policy value can return it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The downstream answered with an error (its error rate, an error burst).
    Failed,
    /// The downstream is down (an [`Incident::Outage`]).
    Outage,
    /// A policy refused or cut the call.
    Rejected(Rejection),
}

impl From<Rejection> for Fault {
    fn from(r: Rejection) -> Self {
        Fault::Rejected(r)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Failed => f.write_str("the downstream failed"),
            Fault::Outage => f.write_str("the downstream is down"),
            Fault::Rejected(r) => fmt::Display::fmt(r, f),
        }
    }
}

impl std::error::Error for Fault {}

impl AsRejection for Fault {
    fn as_rejection(&self) -> Option<&Rejection> {
        match self {
            Fault::Rejected(r) => Some(r),
            Fault::Failed | Fault::Outage => None,
        }
    }
}

/// The simulated downstream: a latency distribution, an independent error rate, [`Incidents`]
/// in time windows, and a capacity beyond which it slows down. Built once, given to
/// [`Simulation::new`](super::Simulation::new), and called by the stack under test through
/// [`call`](Downstream::call).
///
/// A call draws its latency and whether it fails from the simulation's seeded generator,
/// when it starts: the latency (× the slowdowns in force, × `concurrency / capacity` when
/// the calls in progress, this one included, exceed `capacity`), then one uniform number for
/// the failure. It then sleeps its latency on tokio's clock and answers. A call dropped
/// before it answers (cut by a timeout, a hedge that lost) stops counting as in progress
/// at once.
///
/// ```
/// # use resile_runtime as resile;
/// use std::time::Duration;
/// use resile::sim::{Downstream, Incident, Latency};
///
/// let s = Duration::from_secs;
/// let downstream = Downstream::new()
///     .latency(Latency::log_normal(Duration::from_millis(20), 0.5))
///     .error_rate(0.01)
///     .outage(s(600)..s(660))
///     .incident(Incident::slowdown(s(900), s(30), 3.0))
///     .capacity(50);
/// # let _ = downstream;
/// ```
pub struct Downstream {
    latency: Latency,
    error_rate: f64,
    faults: Incidents,
    capacity: Option<u32>,
    live: Live,
}

/// The state of a run: reset by [`Downstream::start`].
struct Live {
    rng: RefCell<fastrand::Rng>,
    epoch: Cell<Option<Instant>>,
    in_progress: Cell<u32>,
    peak: Cell<u32>,
    calls: Cell<u64>,
    failures: Cell<u64>,
    bucket: Cell<u64>,
    load: RefCell<Vec<u64>>,
}

impl Live {
    fn new() -> Self {
        Live {
            rng: RefCell::new(fastrand::Rng::with_seed(0)),
            epoch: Cell::new(None),
            in_progress: Cell::new(0),
            peak: Cell::new(0),
            calls: Cell::new(0),
            failures: Cell::new(0),
            bucket: Cell::new(u64::MAX),
            load: RefCell::new(Vec::new()),
        }
    }
}

impl Downstream {
    /// A downstream that answers in 10 ms, always successfully, until
    /// [`latency`](Downstream::latency), [`error_rate`](Downstream::error_rate),
    /// [`outage`](Downstream::outage) or an [`incident`](Downstream::incident) says otherwise.
    pub fn new() -> Self {
        Downstream {
            latency: Latency::fixed(Duration::from_millis(10)),
            error_rate: 0.0,
            faults: Incidents::new(),
            capacity: None,
            live: Live::new(),
        }
    }

    /// The latency distribution (default: 10 ms, fixed).
    pub fn latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }

    /// An outage over `window`, offsets from the run's start: every call that starts in it
    /// fails with [`Fault::Outage`]. `outage(a..b)` is `incident(Incident::outage(a, b - a))`.
    ///
    /// # Panics
    /// If the window ends before it starts.
    pub fn outage(self, window: Range<Duration>) -> Self {
        assert!(window.start <= window.end, "`Downstream::outage`: the window ends before it starts");
        self.incident(Incident::outage(window.start, window.end - window.start))
    }

    /// Each call fails with probability `p`, independently of the others (default 0).
    ///
    /// # Panics
    /// If `p` is outside `0.0..=1.0`.
    pub fn error_rate(mut self, p: f64) -> Self {
        check_rate("Downstream::error_rate", p);
        self.error_rate = p;
        self
    }

    /// Adds `incident`.
    pub fn incident(mut self, incident: Incident) -> Self {
        self.faults.0.push(incident);
        self
    }

    /// Adds every incident of `faults`.
    pub fn incidents(mut self, faults: Incidents) -> Self {
        self.faults.0.extend(faults.0);
        self
    }

    /// Above `calls` calls in progress, every call that starts is slowed by
    /// `in progress / calls` (with 2 × `calls` in progress, each new call takes twice its
    /// latency), as a server whose threads share its cores does. Default: no limit.
    ///
    /// # Panics
    /// If `calls` is zero.
    pub fn capacity(mut self, calls: u32) -> Self {
        assert!(calls > 0, "`Downstream::capacity`: `calls` must be at least 1");
        self.capacity = Some(calls);
        self
    }

    /// One call: draws its latency and outcome, sleeps the latency on tokio's clock, and
    /// answers `Ok(())` or `Err(Fault::Failed)`, or `Err(Fault::Outage)` during an outage. Costs two or three draws from the seeded
    /// generator, one timer, and no allocation (beyond the load series' growth).
    pub async fn call(&self) -> Result<(), Fault> {
        let live = &self.live;
        let now = Instant::now();
        let epoch = match live.epoch.get() {
            Some(epoch) => epoch,
            None => {
                live.epoch.set(Some(now));
                now
            }
        };
        let at = now - epoch;
        let effect = self.faults.at(at);
        let (latency, fails) = {
            let mut rng = live.rng.borrow_mut();
            let latency = self.latency.sample(&mut rng);
            let fails = rng.f64() < combine(self.error_rate, effect.error_rate);
            (latency, fails)
        };
        let in_progress = live.in_progress.get() + 1;
        live.in_progress.set(in_progress);
        live.peak.set(live.peak.get().max(in_progress));
        live.calls.set(live.calls.get() + 1);
        if live.bucket.get() != u64::MAX {
            let i = (nanos(at) / live.bucket.get()) as usize;
            let mut load = live.load.borrow_mut();
            if load.len() <= i {
                load.resize(i + 1, 0);
            }
            load[i] += 1;
        }
        let _in_progress = InProgress(&live.in_progress);
        let mut factor = effect.latency_factor;
        if let Some(capacity) = self.capacity
            && in_progress > capacity
        {
            factor *= f64::from(in_progress) / f64::from(capacity);
        }
        let latency = if factor == 1.0 { latency } else { latency.mul_f64(factor) };
        tokio::time::sleep(latency).await;
        if effect.down || fails {
            live.failures.set(live.failures.get() + 1);
            Err(if effect.down { Fault::Outage } else { Fault::Failed })
        } else {
            Ok(())
        }
    }

    /// Starts a run at `epoch`: a fresh generator seeded with `seed`, zero counters, and a
    /// load series of `bucket`-long buckets.
    pub(crate) fn start(&self, epoch: Instant, seed: u64, bucket: Duration) {
        let live = &self.live;
        *live.rng.borrow_mut() = fastrand::Rng::with_seed(seed);
        live.epoch.set(Some(epoch));
        live.in_progress.set(0);
        live.peak.set(0);
        live.calls.set(0);
        live.failures.set(0);
        live.bucket.set(nanos(bucket).max(1));
        live.load.borrow_mut().clear();
    }

    /// The calls made, the failures answered, the peak of calls in progress, and the calls
    /// started per load bucket, since [`start`](Downstream::start).
    pub(crate) fn counts(&self) -> (u64, u64, u32, Vec<u64>) {
        let live = &self.live;
        (live.calls.get(), live.failures.get(), live.peak.get(), live.load.borrow().clone())
    }

    /// The calls in progress now.
    pub fn in_progress(&self) -> u32 {
        self.live.in_progress.get()
    }
}

impl Default for Downstream {
    fn default() -> Self {
        Downstream::new()
    }
}

impl Clone for Downstream {
    /// The same model, with the state of a new downstream.
    fn clone(&self) -> Self {
        Downstream {
            latency: self.latency.clone(),
            error_rate: self.error_rate,
            faults: self.faults.clone(),
            capacity: self.capacity,
            live: Live::new(),
        }
    }
}

impl fmt::Debug for Downstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Downstream")
            .field("latency", &self.latency)
            .field("error_rate", &self.error_rate)
            .field("faults", &self.faults)
            .field("capacity", &self.capacity)
            .field("in_progress", &self.live.in_progress.get())
            .finish()
    }
}

/// Counts a call out of progress when it ends or is dropped.
struct InProgress<'a>(&'a Cell<u32>);

impl Drop for InProgress<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}
