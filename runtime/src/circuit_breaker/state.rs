//! The breaker's state machine: admission, recording, transitions and reconfiguration. No
//! tokio here and no clock read of its own: every function that may need the time takes a
//! `now` closure (nanoseconds since the breaker's origin) and calls it only when it must.
//! The tokio-facing methods (`try_acquire`, `record`, ... on tokio's clock) are in
//! `site.rs`.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use super::config::{CircuitBreakerConfig, WindowKind};
use super::window::{Buckets, Claim, Counts, FAILURE, PRESENT, Padded, Ring, SLOW};
use crate::kit::Swap;
use crate::sync::{AtomicU64, Mutex, Ordering, lock};
use crate::telemetry::{self, Event};
use crate::{Outcome, Rejection, State};

pub(super) const CLOSED: u64 = 0;
const OPEN: u64 = 1;
const HALF_OPEN: u64 = 2;
pub(super) const FORCED_OPEN: u64 = 3;
pub(super) const DISABLED: u64 = 4;
const STATE_BITS: u32 = 3;
const STATE_MASK: u64 = (1 << STATE_BITS) - 1;
/// `slow_nanos` when no slow-call threshold is set.
const NOT_TRACKED: u64 = u64::MAX;
const NANOS_PER_SEC: u64 = 1_000_000_000;

fn state_of(ctl: u64) -> State {
    match ctl & STATE_MASK {
        CLOSED => State::Closed,
        OPEN => State::Open,
        HALF_OPEN => State::HalfOpen,
        FORCED_OPEN => State::ForcedOpen,
        _ => State::Disabled,
    }
}

/// Nanoseconds, saturating at `u64::MAX` (584 years).
#[inline]
pub(super) fn nanos(d: Duration) -> u64 {
    d.as_secs().saturating_mul(1_000_000_000).saturating_add(u64::from(d.subsec_nanos()))
}

/// The time as the state machine sees it: nanoseconds since the breaker's origin, read
/// only when needed. A closure `Fn() -> u64` is one; the tokio-facing clock of `site.rs`
/// answers [`before`](Clock::before) without computing the nanoseconds.
pub(super) trait Clock {
    /// Nanoseconds since the origin, now.
    fn now(&self) -> u64;

    /// Whether it is still before `deadline` (nanoseconds since the origin).
    #[inline]
    fn before(&self, deadline: u64) -> bool {
        self.now() < deadline
    }
}

impl<F: Fn() -> u64> Clock for F {
    #[inline]
    fn now(&self) -> u64 {
        self()
    }
}

/// A clock read at most once, and only if asked.
struct Lazy<F> {
    read: F,
    at: Option<u64>,
}

impl<F: Fn() -> u64> Lazy<F> {
    #[inline]
    fn new(read: F) -> Self {
        Lazy { read, at: None }
    }
    #[inline]
    fn now(&mut self) -> u64 {
        *self.at.get_or_insert_with(&self.read)
    }
}

/// An `on_state_change` callback: `(name, from, to)`.
pub type OnStateChange = fn(&str, State, State);

/// A state-change listener that carries its own context: called with the breaker, `from`
/// and `to`, after the change is complete and outside any lock (see
/// [`CircuitBreaker::listen`]).
pub type StateListener = std::sync::Arc<dyn Fn(&CircuitBreaker, State, State) + Send + Sync>;

/// A state change, queued to be reported once the lock is released.
type Change = Option<(State, State)>;

/// The buckets of a time window; `None` for a count window.
fn time_buckets(config: &CircuitBreakerConfig) -> Option<Buckets> {
    match config.window {
        WindowKind::Count => None,
        WindowKind::Time => Some(Buckets::new(config.window_size)),
    }
}

/// The mutex's guard if no one holds it (recovering from poison, as [`lock`]).
fn try_lock<T>(m: &Mutex<T>) -> Option<impl std::ops::DerefMut<Target = T> + '_> {
    #[cfg(not(loom))]
    match m.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
    #[cfg(loom)]
    m.try_lock().ok()
}

/// Counts and rates of a breaker's current window.
///
/// In `Closed` and `HalfOpen` this is the live window (in half-open: the probes so far); in
/// the other states it is the window that led there, frozen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerStats {
    /// The state now.
    pub state: State,
    /// Calls recorded in the window.
    pub total: u64,
    /// Of which failures.
    pub failures: u64,
    /// Of which slow (successes and failures alike).
    pub slow_calls: u64,
    /// `failures / total`, 0.0 for an empty window.
    pub failure_rate: f64,
    /// `slow_calls / total`, 0.0 for an empty window.
    pub slow_call_rate: f64,
    /// How long an opening lasts: in `Open` and `HalfOpen`, the current opening's (which a
    /// failed probe multiplies by `open_timeout_multiplier`, up to `max_open_timeout`);
    /// in `Closed`, `open_timeout`, the next opening's. A forced or disabled breaker shows
    /// its last opening's, or `open_timeout` if it has not opened since it last closed.
    pub open_duration: Duration,
}

impl CircuitBreakerStats {
    fn of(state: State, c: Counts, open_duration: Duration) -> Self {
        let total = c.total.max(0) as u64;
        let failures = c.failures.max(0) as u64;
        let slow_calls = c.slow.max(0) as u64;
        let rate = |n: u64| {
            if total == 0 { 0.0 } else { n as f64 / total as f64 }
        };
        CircuitBreakerStats {
            state,
            total,
            failures,
            slow_calls,
            failure_rate: rate(failures),
            slow_call_rate: rate(slow_calls),
            open_duration,
        }
    }

    /// The stats of a breaker that has recorded nothing.
    pub const EMPTY: CircuitBreakerStats = CircuitBreakerStats {
        state: State::Closed,
        total: 0,
        failures: 0,
        slow_calls: 0,
        failure_rate: 0.0,
        slow_call_rate: 0.0,
        open_duration: CircuitBreakerConfig::new().open_timeout,
    };
}

/// What the mutex guards: the window's totals and the half-open bookkeeping.
#[derive(Debug)]
struct Inner {
    counts: Counts,
    /// The time window's buckets; `None` for a count window (whose slots are the ring).
    buckets: Option<Buckets>,
    open_until: u64,
    /// The length of the current or last opening since the breaker last closed, in
    /// nanoseconds; 0 if it has not opened since. A failed probe reopens for this times
    /// `open_timeout_multiplier`; a close resets it.
    open_for: u64,
    probes_admitted: u32,
    probes_done: u32,
    /// State changes not yet reported, oldest first.
    pending: VecDeque<(State, State)>,
}

/// What the settings decide, read by calls without the lock; replaced as a whole by a
/// reconfiguration (a state transition: calls admitted before it are not recorded after).
#[derive(Debug)]
struct Setup {
    config: CircuitBreakerConfig,
    /// The count window's slots; `None` for a time window (whose buckets are in `Inner`).
    /// Shared between setups whose window is the same.
    ring: Option<std::sync::Arc<Ring>>,
    /// `ring`'s address when closed calls take the hot path (a count window and no
    /// slow-call threshold), else 0: one load tells a call which path it takes. The ring
    /// lives as long as this setup, which lives as long as the breaker.
    fast_ring: usize,
    /// `slow_call_threshold` in nanoseconds, or [`NOT_TRACKED`].
    slow_nanos: u64,
    open_nanos: u64,
}

impl Setup {
    fn new(config: CircuitBreakerConfig, reuse: Option<&Setup>) -> Self {
        let same_window =
            |old: &&Setup| old.config.window == config.window && old.config.window_size == config.window_size;
        let ring = match config.window {
            WindowKind::Count => Some(match reuse.filter(same_window).and_then(|old| old.ring.clone()) {
                Some(ring) => ring,
                None => std::sync::Arc::new(Ring::new(config.window_size)),
            }),
            WindowKind::Time => None,
        };
        Setup {
            config,
            fast_ring: match (&ring, config.slow_call_threshold) {
                (Some(ring), None) => &**ring as *const Ring as usize,
                _ => 0,
            },
            ring,
            slow_nanos: config.slow_call_threshold.map_or(NOT_TRACKED, nanos),
            open_nanos: nanos(config.open_timeout),
        }
    }
}

/// A circuit breaker: the shared state of one name, or a plain value.
///
/// Get a shared one with [`CircuitBreaker::named`] or [`circuit_breaker`](super::circuit_breaker),
/// or make a private one with [`CircuitBreaker::new`]. Run calls through
/// [`call`](CircuitBreaker::call), or drive it by hand with
/// [`try_acquire`](CircuitBreaker::try_acquire) and [`Permit::record`].
pub struct CircuitBreaker {
    /// `generation << 3 | state`. Changed only under `inner`'s lock.
    ctl: Padded<AtomicU64>,
    /// Mirror of `Inner::open_until`, for rejecting without the lock.
    open_until: AtomicU64,
    setup: Swap<Setup>,
    inner: Mutex<Inner>,
    callbacks: Mutex<Vec<OnStateChange>>,
    /// Listeners with a context of their own ([`CircuitBreaker::listen`]).
    listeners: Mutex<Vec<StateListener>>,
    /// Held by the one thread reporting state changes, so they are reported in order.
    reporting: Mutex<()>,
    name: &'static str,
    /// A keyed breaker's key, by its `Debug` (`None` for a breaker of a name, or a key
    /// whose type has none): the `resilience.key` of its state-change events.
    key: Option<Box<str>>,
    /// The instant time is counted from (on tokio's clock, taken by the constructor in
    /// `site.rs`): the `now` of the `*_at` methods is the time since it.
    pub(super) origin: std::time::Instant,
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("name", &self.name)
            .field("state", &self.state())
            .field("config", &self.config())
            .finish_non_exhaustive()
    }
}

/// The right to run one call, from [`CircuitBreaker::try_acquire`]. Hand the call's outcome
/// back with [`Permit::record`]; dropping it unrecorded (a cancelled call) records nothing
/// and gives a half-open probe slot back.
#[must_use = "a permit records nothing unless `record` is called"]
pub struct Permit<'a> {
    pub(super) breaker: &'a CircuitBreaker,
    /// `generation << 3 | kind`: the generation the call was admitted in, and how.
    tag: u64,
    /// For [`Kind::Fast`], the address of the count window to record into; otherwise when
    /// the call was admitted (nanoseconds since the origin), for slow-call tracking. One word
    /// for both keeps the permit, which a guarded call holds across its `.await`, at three.
    word: u64,
}

/// How a call was admitted, in a [`Permit`]'s tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    /// Closed, a time window or a slow-call threshold: recorded under the lock.
    Closed = 0,
    Probe = 1,
    Disabled = 2,
    /// Closed, a count window and no slow-call threshold: the hot path, lock-free.
    Fast = 3,
    /// Recorded already: dropping it does nothing.
    Settled = 4,
}

const KIND_BITS: u32 = 3;
const KIND_MASK: u64 = (1 << KIND_BITS) - 1;

impl Permit<'_> {
    #[inline]
    fn generation(&self) -> u64 {
        self.tag >> KIND_BITS
    }

    #[inline]
    fn kind(&self) -> Kind {
        kind_of(self.tag)
    }
}

/// The kind in a permit's tag.
#[inline]
fn kind_of(tag: u64) -> Kind {
    match tag & KIND_MASK {
        0 => Kind::Closed,
        1 => Kind::Probe,
        2 => Kind::Disabled,
        3 => Kind::Fast,
        _ => Kind::Settled,
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("breaker", &self.breaker.name)
            .field("generation", &self.generation())
            .field("kind", &self.kind())
            .finish()
    }
}

impl Permit<'_> {
    /// Records the call's outcome at `now` (time since the breaker's origin, as
    /// [`CircuitBreaker::elapsed`](CircuitBreaker::elapsed)).
    #[inline]
    pub fn record_at(mut self, outcome: Outcome, now: Duration) {
        self.breaker.settle(&mut self, outcome, || nanos(now));
    }
}

impl Drop for Permit<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.tag & KIND_MASK == Kind::Probe as u64 {
            self.breaker.release_probe(self.generation());
        }
    }
}

impl<'a> Permit<'a> {
    /// A permit of `breaker` for `ticket`, admitted or not.
    #[inline(always)]
    pub(super) fn of(breaker: &'a CircuitBreaker, ticket: Ticket) -> Self {
        Permit { breaker, tag: ticket.tag, word: ticket.word }
    }

    /// Whether the call was admitted (see `Site::admit`); a permit from
    /// [`CircuitBreaker::try_acquire`] always was.
    #[inline]
    pub fn admitted(&self) -> bool {
        self.tag & KIND_MASK != Kind::Settled as u64
    }
}

/// An admission decision: a [`Permit`]'s tag and word, or a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ticket {
    tag: u64,
    word: u64,
}

impl Ticket {
    /// A refused call (a settled permit: recording or dropping it does nothing).
    const REFUSED: Ticket = Ticket { tag: Kind::Settled as u64, word: 0 };

    #[inline]
    fn new(generation: u64, kind: Kind, word: u64) -> Self {
        Ticket { tag: generation << KIND_BITS | kind as u64, word }
    }

    #[inline]
    pub(super) fn admitted(self) -> bool {
        self.tag != Ticket::REFUSED.tag
    }
}

impl CircuitBreaker {
    /// A breaker named `name` whose time counts from `origin`.
    ///
    /// # Panics
    /// If `config` is invalid (see [`CircuitBreakerConfig::validate`]).
    pub(super) fn with_origin(name: &'static str, config: CircuitBreakerConfig, origin: std::time::Instant) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid circuit breaker config for `{name}`: {e}");
        }
        CircuitBreaker {
            ctl: Padded(AtomicU64::new(1 << STATE_BITS | CLOSED)),
            open_until: AtomicU64::new(0),
            setup: Swap::new(Setup::new(config, None)),
            inner: Mutex::new(Inner {
                counts: Counts::default(),
                buckets: time_buckets(&config),
                open_until: 0,
                open_for: 0,
                probes_admitted: 0,
                probes_done: 0,
                pending: VecDeque::new(),
            }),
            reporting: Mutex::new(()),
            callbacks: Mutex::new(Vec::new()),
            listeners: Mutex::new(Vec::new()),
            name,
            key: None,
            origin,
        }
    }

    /// This breaker as the instance of the key shown as `key`.
    pub(super) fn with_key(self, key: Option<Box<str>>) -> Self {
        CircuitBreaker { key, ..self }
    }

    /// Puts `config` in force. This is a state transition: the state stays, but a new
    /// generation starts (calls admitted before are not recorded after) with a fresh window
    /// in `Closed` and `HalfOpen`; an open breaker keeps its `open_until`. No event is
    /// emitted (the state does not change).
    ///
    /// # Errors
    /// The rule `config` breaks, naming its key (see [`CircuitBreakerConfig::validate`]);
    /// then nothing changes.
    pub fn reconfigure(&self, config: CircuitBreakerConfig) -> Result<(), crate::ConfigError> {
        config.validate()?;
        self.apply(config);
        Ok(())
    }

    /// Puts `config`, already validated, in force; see [`reconfigure`](Self::reconfigure).
    pub(super) fn apply(&self, config: CircuitBreakerConfig) {
        let mut inner = lock(&self.inner);
        let setup = Setup::new(config, Some(self.setup.load()));
        inner.buckets = time_buckets(&config);
        self.setup.store(setup);
        let ctl = self.ctl.0.load(Ordering::Relaxed);
        let change = self.transition(&mut inner, ctl, ctl & STATE_MASK, &mut Lazy::new(|| 0));
        debug_assert!(change.is_none());
    }

    /// The breaker's name.
    #[inline]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The configuration in force.
    #[inline]
    pub fn config(&self) -> CircuitBreakerConfig {
        self.setup.load().config
    }

    /// The state now. An open breaker whose `open_timeout` has passed still reads `Open`: it
    /// turns half-open on the next call.
    #[inline]
    pub fn state(&self) -> State {
        state_of(self.ctl.0.load(Ordering::Acquire))
    }

    /// Also calls `f(name, from, to)` on every state change (once per distinct `f`).
    ///
    /// Callbacks run after the state change is complete and outside any lock; a callback
    /// that panics is logged and does not affect the breaker.
    pub fn on_state_change(&self, f: OnStateChange) {
        let mut callbacks = lock(&self.callbacks);
        if !callbacks.iter().any(|g| std::ptr::fn_addr_eq(*g, f)) {
            callbacks.push(f);
        }
    }

    /// Whether an operator put the breaker in `ForcedOpen` or `Disabled`: one `Acquire` load.
    #[inline(always)]
    pub(super) fn operated(&self) -> bool {
        // Orderings: `Acquire`, as `ticket`: a call that sees the state sees its period.
        self.ctl.0.load(Ordering::Acquire) & STATE_MASK >= FORCED_OPEN
    }

    /// The `on_state_change` callbacks registered so far.
    pub(super) fn state_change_callbacks(&self) -> Vec<OnStateChange> {
        lock(&self.callbacks).clone()
    }

    /// Also calls `listener(breaker, from, to)` on every state change, as
    /// [`on_state_change`](Self::on_state_change) does, for a listener that needs a context
    /// of its own (a closure): what sharing a breaker's state across processes uses.
    /// Listeners run after the callbacks, outside any lock; one that panics is logged and
    /// does not affect the breaker.
    pub fn listen(&self, listener: StateListener) {
        lock(&self.listeners).push(listener);
    }

    /// Opens the breaker at `now` (time since its origin) for `open_for`, as if it had
    /// tripped then with that `open_timeout`: `Open` until `now + open_for`, then half-open
    /// as usual. What a breaker shared across replicas does when another replica publishes
    /// an opening (`resile-redis`). Not [`force_open`](Self::force_open), which holds until
    /// an operator acts.
    ///
    /// - `Closed` or `HalfOpen`: moves to `Open` (a state change, reported as any other;
    ///   a closed time window is frozen as it is now). A failed probe after it reopens as
    ///   after any opening of that length: for `open_for` times `open_timeout_multiplier`,
    ///   within `open_timeout..=max_open_timeout`.
    /// - `Open`: the opening ends at the later of its own end and `now + open_for` (no
    ///   state change, nothing reported).
    /// - `ForcedOpen`, `Disabled`: nothing; an operator's state holds.
    ///
    /// Returns `true` when the state changed to `Open`.
    pub fn open_for_at(&self, now: Duration, open_for: Duration) -> bool {
        self.open_for_with(nanos(now), nanos(open_for))
    }

    pub(super) fn open_for_with(&self, now: u64, open_for: u64) -> bool {
        let mut inner = lock(&self.inner);
        let ctl = self.ctl.0.load(Ordering::Relaxed);
        let until = now.saturating_add(open_for);
        match ctl & STATE_MASK {
            FORCED_OPEN | DISABLED => return false,
            OPEN => {
                if until > inner.open_until {
                    inner.open_until = until;
                    // Orderings: `Relaxed`; a call that reads the older end refuses, which
                    // the later end also does.
                    self.open_until.store(until, Ordering::Relaxed);
                }
                return false;
            }
            _ => {}
        }
        let Inner { counts, buckets, .. } = &mut *inner;
        if let (CLOSED, Some(b)) = (ctl & STATE_MASK, buckets) {
            b.advance(now / NANOS_PER_SEC, counts);
        }
        // The opening of `transition`, with the given length rather than the settings'.
        inner.open_for = open_for.max(1);
        inner.open_until = until;
        self.open_until.store(until, Ordering::Relaxed);
        // Orderings: `Release` publishes `open_until` to the lock-free rejection path.
        self.ctl.0.store(((ctl >> STATE_BITS) + 1) << STATE_BITS | OPEN, Ordering::Release);
        let change = (state_of(ctl), State::Open);
        inner.pending.push_back(change);
        drop(inner);
        self.notify(Some(change));
        true
    }

    /// How long until the breaker, open, lets a half-open probe through, at `now` (time
    /// since the breaker's origin): `Some(ZERO)` once `open_timeout` has passed (the next
    /// call is the probe), `None` in every state but `Open` (forced open holds until an
    /// operator acts; closed, half-open and disabled name no time). Exact to the nanosecond:
    /// one `Acquire` load and one `Relaxed` load, no lock.
    pub fn half_open_in_at(&self, now: Duration) -> Option<Duration> {
        self.half_open_in_with(nanos(now))
    }

    pub(super) fn half_open_in_with(&self, now: u64) -> Option<Duration> {
        // Orderings: as `ticket`: `Acquire` on `ctl` sees the `open_until` of its period.
        let ctl = self.ctl.0.load(Ordering::Acquire);
        (ctl & STATE_MASK == OPEN)
            .then(|| Duration::from_nanos(self.open_until.load(Ordering::Relaxed).saturating_sub(now)))
    }

    pub(super) fn rejection(&self) -> Rejection {
        Rejection::CircuitOpen { name: self.name }
    }

    /// Asks to run one call at `now` (time since the breaker's origin).
    pub fn try_acquire_at(&self, now: Duration) -> Result<Permit<'_>, Rejection> {
        self.admit(|| nanos(now)).ok_or_else(|| self.rejection())
    }

    #[inline]
    pub(super) fn admit(&self, now: impl Clock) -> Option<Permit<'_>> {
        let ticket = self.ticket(now);
        ticket.admitted().then(|| Permit::of(self, ticket))
    }

    /// The admission decision as two words (a [`Permit`] without its breaker), so that a
    /// caller builds the permit in one place, where it keeps it.
    #[inline]
    pub(super) fn ticket(&self, clock: impl Clock) -> Ticket {
        // `resile::config::set_enabled(false)`: one `Relaxed` load while everything is on.
        if crate::config::switch::all_off() {
            return self.ticket_bypassed();
        }
        // Orderings: `Acquire` pairs with the `Release` store of every transition, so a call
        // that sees `Open` also sees that period's `open_until`. (Free on x86 and cheap on
        // ARM; the closed path needs nothing else from it.)
        let ctl = self.ctl.0.load(Ordering::Acquire);
        if ctl & STATE_MASK == CLOSED {
            // Closed is state 0 and a permit's kind takes as many bits as the state: `ctl` is
            // the tag of a `Closed` permit of its generation, `ctl | Fast` of a `Fast` one.
            const _: () = assert!(STATE_BITS == KIND_BITS && CLOSED == 0 && Kind::Closed as u64 == 0);
            let setup = self.setup.load();
            if setup.fast_ring != 0 {
                return Ticket { tag: ctl | Kind::Fast as u64, word: setup.fast_ring as u64 };
            }
            let start = if setup.slow_nanos != NOT_TRACKED { clock.now() } else { 0 };
            return Ticket { tag: ctl, word: start };
        }
        if self.open_refuses(ctl, &clock) {
            return Ticket::REFUSED;
        }
        self.ticket_slow(ctl, &|| clock.now())
    }

    /// Everything is turned off (`resile::config::set_enabled(false)`): admitted as a
    /// disabled breaker admits, recording nothing.
    #[cold]
    #[inline(never)]
    fn ticket_bypassed(&self) -> Ticket {
        Ticket::new(self.ctl.0.load(Ordering::Relaxed) >> STATE_BITS, Kind::Disabled, 0)
    }

    /// Open and not yet due to half-open: refused without the lock, with one clock read.
    /// Inlined, but cold: the compiler keeps the closed path the straight one.
    #[cold]
    #[inline(always)]
    fn open_refuses(&self, ctl: u64, clock: &impl Clock) -> bool {
        // Orderings: `Relaxed` is enough after the `Acquire` load of `ctl` in `ticket`.
        ctl & STATE_MASK == OPEN && clock.before(self.open_until.load(Ordering::Relaxed))
    }

    #[inline(never)]
    fn ticket_slow(&self, ctl: u64, now: &dyn Fn() -> u64) -> Ticket {
        let mut clock = Lazy::new(now);
        match ctl & STATE_MASK {
            DISABLED => {
                return Ticket::new(ctl >> STATE_BITS, Kind::Disabled, 0);
            }
            FORCED_OPEN => return Ticket::REFUSED,
            _ => {}
        }
        let mut inner = lock(&self.inner);
        // `ctl` only changes under the lock we hold.
        let mut ctl = self.ctl.0.load(Ordering::Relaxed);
        let setup = self.setup.load();
        let mut change = None;
        if ctl & STATE_MASK == OPEN && clock.now() >= inner.open_until {
            change = self.transition(&mut inner, ctl, HALF_OPEN, &mut clock);
            ctl = self.ctl.0.load(Ordering::Relaxed);
        }
        let generation = ctl >> STATE_BITS;
        let result = match ctl & STATE_MASK {
            CLOSED | DISABLED => {
                let kind = if ctl & STATE_MASK == CLOSED { Kind::Closed } else { Kind::Disabled };
                let start = if kind == Kind::Closed && setup.slow_nanos != NOT_TRACKED { clock.now() } else { 0 };
                Ticket::new(generation, kind, start)
            }
            HALF_OPEN if inner.probes_admitted < setup.config.permitted_calls_in_half_open => {
                inner.probes_admitted += 1;
                let start = if setup.slow_nanos != NOT_TRACKED { clock.now() } else { 0 };
                Ticket::new(generation, Kind::Probe, start)
            }
            _ => Ticket::REFUSED,
        };
        drop(inner);
        self.notify(change);
        result
    }

    /// Records `permit`'s outcome; `now` is read only if a slow-call threshold is set, the
    /// window is time-based, or the breaker trips.
    #[inline(always)]
    pub(super) fn settle(&self, permit: &mut Permit<'_>, outcome: Outcome, now: impl Fn() -> u64) {
        let (tag, word) = (permit.tag, permit.word);
        permit.tag = Kind::Settled as u64;
        let generation = tag >> KIND_BITS;
        // The hot path: a closed-state outcome into a count window, no slow-call threshold.
        if tag & KIND_MASK == Kind::Fast as u64 && outcome != Outcome::Ignore {
            // SAFETY: a `Fast` permit's word is the address of the ring of a `Setup` of its
            // breaker (`Setup::fast_ring`); setups are retired, never freed, while the
            // breaker lives (`Swap`), and the permit borrows the breaker.
            let ring = unsafe { &*(word as usize as *const Ring) };
            // A success into a window full of successes changes nothing (`Ring::is_quiet`).
            // Also right for a permit from before a transition: it is not recorded.
            if outcome == Outcome::Success && ring.is_quiet(generation) {
                return;
            }
            return self.settle_fast(ring, generation, outcome, &now);
        }
        // Admitted by a disabled breaker, or with every policy turned off: nothing to record.
        if tag & KIND_MASK == Kind::Disabled as u64 {
            return;
        }
        self.settle_slow(tag, word, outcome, &now);
    }

    /// A closed-state outcome into a count window that it may change: out of line, so that
    /// the path of a success into a window of successes stays a few instructions.
    #[inline(never)]
    fn settle_fast(&self, ring: &Ring, generation: u64, outcome: Outcome, now: &dyn Fn() -> u64) {
        // A call admitted before a transition is not recorded after it, and must not even
        // claim a slot: a claimed slot that is then not written leaves an older call in the
        // window in place of the newest. (A transition racing this very record can still do
        // that, for one slot, until the slot is next written.)
        // Orderings: `Relaxed`: the generation only grows; an old value means the ring's own
        // generation check decides.
        if self.ctl.0.load(Ordering::Relaxed) >> STATE_BITS != generation {
            return;
        }
        let code = if outcome == Outcome::Failure { PRESENT | FAILURE } else { PRESENT };
        if let Claim::Changed { evicted } = ring.record(generation, code) {
            self.tally(generation, evicted, code, now);
        }
    }

    #[inline(never)]
    fn settle_slow(&self, tag: u64, start: u64, outcome: Outcome, now: &dyn Fn() -> u64) {
        let (generation, kind) = (tag >> KIND_BITS, kind_of(tag));
        match (kind, outcome) {
            (Kind::Disabled | Kind::Settled, _) | (Kind::Closed | Kind::Fast, Outcome::Ignore) => return,
            (Kind::Probe, Outcome::Ignore) => return self.release_probe(generation),
            _ => {}
        }
        let mut clock = Lazy::new(now);
        let setup = self.setup.load();
        let mut code = PRESENT;
        if outcome == Outcome::Failure {
            code |= FAILURE;
        }
        if setup.slow_nanos != NOT_TRACKED && clock.now().saturating_sub(start) > setup.slow_nanos {
            code |= SLOW;
        }
        if kind == Kind::Probe {
            return self.record_probe(generation, code, &mut clock);
        }
        // Not recorded after a transition, and no slot claimed (see `settle`).
        if self.ctl.0.load(Ordering::Relaxed) >> STATE_BITS != generation {
            return;
        }
        let evicted = match &setup.ring {
            Some(ring) => match ring.record(generation, code) {
                Claim::Unchanged | Claim::Stale => return,
                Claim::Changed { evicted } => evicted,
            },
            None => 0,
        };
        let read = clock.at;
        self.tally(generation, evicted, code, &move || read.unwrap_or_else(now));
    }

    /// Applies a closed-state outcome to the window's totals and trips if they say so.
    #[inline(never)]
    fn tally(&self, generation: u64, evicted: u64, code: u64, now: &dyn Fn() -> u64) {
        let clock = &mut Lazy::new(now);
        let mut inner = lock(&self.inner);
        let ctl = self.ctl.0.load(Ordering::Relaxed);
        if ctl >> STATE_BITS != generation {
            return; // admitted before a transition: not recorded after it
        }
        let Inner { counts, buckets, .. } = &mut *inner;
        match buckets {
            None => {
                counts.sub(evicted);
                counts.add(code);
                // Under the lock, with `generation` current: the setup in force is this
                // generation's (a reconfiguration is a transition).
                if let Some(ring) = &self.setup.load().ring {
                    ring.set_quiet(generation, counts);
                }
            }
            Some(b) => b.record(clock.now() / NANOS_PER_SEC, code, counts),
        }
        let change = if self.trips(&inner.counts) { self.transition(&mut inner, ctl, OPEN, clock) } else { None };
        drop(inner);
        self.notify(change);
    }

    fn trips(&self, c: &Counts) -> bool {
        let setup = self.setup.load();
        let cfg = &setup.config;
        if c.total < i64::from(cfg.minimum_calls) {
            return false;
        }
        let total = c.total as f64;
        c.failures as f64 / total >= cfg.failure_rate_threshold
            || (setup.slow_nanos != NOT_TRACKED && c.slow as f64 / total >= cfg.slow_call_rate_threshold)
    }

    #[inline(never)]
    fn record_probe<F: Fn() -> u64>(&self, generation: u64, code: u64, clock: &mut Lazy<F>) {
        let mut inner = lock(&self.inner);
        let ctl = self.ctl.0.load(Ordering::Relaxed);
        if ctl >> STATE_BITS != generation {
            return;
        }
        inner.counts.add(code);
        inner.probes_done += 1;
        let c = inner.counts;
        let setup = self.setup.load();
        let to = if code & FAILURE != 0 {
            Some(OPEN)
        } else if inner.probes_done >= setup.config.permitted_calls_in_half_open {
            let slow = setup.slow_nanos != NOT_TRACKED
                && c.slow as f64 / c.total as f64 >= setup.config.slow_call_rate_threshold;
            Some(if slow { OPEN } else { CLOSED })
        } else {
            None
        };
        let change = to.and_then(|to| self.transition(&mut inner, ctl, to, clock));
        drop(inner);
        self.notify(change);
    }

    /// Gives a half-open probe slot back (a cancelled probe, or one whose outcome is ignored).
    pub(super) fn release_probe(&self, generation: u64) {
        let mut inner = lock(&self.inner);
        let ctl = self.ctl.0.load(Ordering::Relaxed);
        if ctl >> STATE_BITS == generation && ctl & STATE_MASK == HALF_OPEN {
            inner.probes_admitted = inner.probes_admitted.saturating_sub(1);
        }
    }

    /// Moves to `to` under the lock: a new generation, and a fresh window when entering
    /// `Closed` or `HalfOpen`. Returns the change to report after unlocking.
    fn transition<F: Fn() -> u64>(&self, inner: &mut Inner, ctl: u64, to: u64, clock: &mut Lazy<F>) -> Change {
        match to {
            CLOSED | HALF_OPEN => {
                inner.counts = Counts::default();
                if let Some(b) = &mut inner.buckets {
                    b.clear();
                }
                inner.probes_admitted = 0;
                inner.probes_done = 0;
                if to == CLOSED {
                    inner.open_for = 0;
                }
            }
            OPEN if ctl & STATE_MASK != OPEN => {
                let setup = self.setup.load();
                // A failed probe reopens for longer (`open_timeout_multiplier`, up to
                // `max_open_timeout`); any other opening, for `open_timeout`.
                let open_for = if ctl & STATE_MASK == HALF_OPEN && inner.open_for != 0 {
                    nanos(setup.config.next_open_timeout(Duration::from_nanos(inner.open_for)))
                } else {
                    setup.open_nanos
                };
                inner.open_for = open_for;
                let until = clock.now().saturating_add(open_for);
                inner.open_until = until;
                self.open_until.store(until, Ordering::Relaxed);
            }
            _ => {}
        }
        // Orderings: `Release` publishes `open_until` to the lock-free rejection path.
        self.ctl.0.store(((ctl >> STATE_BITS) + 1) << STATE_BITS | to, Ordering::Release);
        let (from, to) = (state_of(ctl), state_of(to));
        if from == to {
            return None;
        }
        inner.pending.push_back((from, to));
        Some((from, to))
    }

    /// Reports the pending state changes, in the order they happened, once the state lock
    /// is released: whichever thread finds nobody else reporting drains the queue, so a
    /// callback may itself change the state (its change is reported after it returns).
    fn notify(&self, change: Change) {
        if change.is_none() {
            return;
        }
        loop {
            let Some(reporting) = try_lock(&self.reporting) else {
                return; // the reporting thread will pick our change up
            };
            loop {
                // Not `while let`: its scrutinee's guard would live through the body.
                let next = lock(&self.inner).pending.pop_front();
                let Some((from, to)) = next else { break };
                self.report(from, to);
            }
            drop(reporting);
            // A change queued after our last look, whose thread found us still reporting.
            if lock(&self.inner).pending.is_empty() {
                return;
            }
        }
    }

    /// Reports one state change: through the telemetry funnel (tracing, the observer), then
    /// the `on_state_change` callbacks.
    fn report(&self, from: State, to: State) {
        let (name, key) = (self.name, self.key.as_deref());
        let callbacks = lock(&self.callbacks).clone();
        let reported = catch_unwind(AssertUnwindSafe(|| {
            telemetry::emit(Event::StateChange { name, key, from, to });
        }));
        if reported.is_err() {
            tracing::error!(target: "resile", breaker = name, "the telemetry observer panicked; the breaker is unaffected");
        }
        for f in callbacks {
            if catch_unwind(AssertUnwindSafe(|| f(name, from, to))).is_err() {
                tracing::error!(target: "resile", breaker = name, "`on_state_change` panicked; the breaker is unaffected");
            }
        }
        let listeners = lock(&self.listeners).clone();
        for f in listeners {
            if catch_unwind(AssertUnwindSafe(|| f(self, from, to))).is_err() {
                tracing::error!(target: "resile", breaker = name, "a state listener panicked; the breaker is unaffected");
            }
        }
    }

    pub(super) fn operate(&self, to: u64, now: impl Fn() -> u64) {
        let mut inner = lock(&self.inner);
        let ctl = self.ctl.0.load(Ordering::Relaxed);
        if ctl & STATE_MASK == to && to != CLOSED {
            return;
        }
        // Freeze a closed time window as it is now, not as of its last record.
        let Inner { counts, buckets, .. } = &mut *inner;
        if let (CLOSED, Some(b)) = (ctl & STATE_MASK, buckets) {
            b.advance(now() / NANOS_PER_SEC, counts);
        }
        let change = self.transition(&mut inner, ctl, to, &mut Lazy::new(|| 0));
        drop(inner);
        self.notify(change);
    }

    /// [`force_open`](Self::force_open) at `now` (time since the breaker's origin), which
    /// matters only to freeze a time window.
    pub fn force_open_at(&self, now: Duration) {
        self.operate(FORCED_OPEN, || nanos(now));
    }

    /// Closes the breaker with a fresh window, from any state.
    pub fn force_close(&self) {
        self.operate(CLOSED, || 0);
    }

    /// [`disable`](Self::disable) at `now` (time since the breaker's origin), which matters
    /// only to freeze a time window.
    pub fn disable_at(&self, now: Duration) {
        self.operate(DISABLED, || nanos(now));
    }

    /// Back to `Closed` with a fresh window, as if new. Outcomes of calls admitted before
    /// are not recorded.
    pub fn reset(&self) {
        self.operate(CLOSED, || 0);
    }

    /// The state and the window's counts at `now` (time since the breaker's origin).
    pub fn stats_at(&self, now: Duration) -> CircuitBreakerStats {
        self.stats_with(|| nanos(now))
    }

    pub(super) fn stats_with(&self, now: impl Fn() -> u64) -> CircuitBreakerStats {
        let mut inner = lock(&self.inner);
        let state = state_of(self.ctl.0.load(Ordering::Relaxed));
        let Inner { counts, buckets, open_for, .. } = &mut *inner;
        if let (State::Closed, Some(b)) = (state, buckets) {
            b.advance(now() / NANOS_PER_SEC, counts);
        }
        let open_duration = match *open_for {
            0 => self.setup.load().config.open_timeout,
            n => Duration::from_nanos(n),
        };
        CircuitBreakerStats::of(state, *counts, open_duration)
    }
}
