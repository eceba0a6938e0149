//! The tokio-facing injector: [`Chaos`] (a plain value with `call(|| fut)`, and the shared
//! instance of a name), and the call site the `#[chaos]` expansion keeps in a `static`
//! ([`ChaosSite`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::config::ChaosConfig;
use super::state::{self, ChaosError, Outcome, Rates};
use crate::ConfigError;
use crate::faults::{Effect, Incidents, Latency};
use crate::kit::{Site, Swap};
use crate::telemetry::{self, CallSpan, Function, ImplType};

/// The settings one call reads, replaced as a whole by a reconfiguration.
#[derive(Debug)]
struct Settings {
    config: ChaosConfig,
    /// `config.seed`, or the seed the injector drew for itself.
    seed: u64,
    rates: Rates,
    /// The latency distribution that replaces `config.latency`, if one was given.
    distribution: Option<Latency>,
}

impl Settings {
    fn new(config: ChaosConfig, seed: u64, distribution: Option<Latency>) -> Self {
        let rates = Rates {
            error_rate: config.error_rate,
            hang_rate: config.hang_rate,
            latency_rate: config.latency_rate,
            latency: config.latency.is_some() || distribution.is_some(),
        };
        Settings { config, seed, rates, distribution }
    }

    /// The latency of a delayed call: a draw from the distribution (seeded with `sample`),
    /// else the fixed latency.
    fn latency(&self, sample: u64) -> Duration {
        match &self.distribution {
            Some(d) => d.sample(&mut fastrand::Rng::with_seed(sample)),
            None => self.config.latency.unwrap_or_default(),
        }
    }
}

/// Incidents in force, timed from the first call after they were set.
#[derive(Debug)]
struct Timed {
    incidents: Incidents,
    epoch: OnceLock<Instant>,
}

/// What a chaos injector has done since it was created (or reset): every count is of calls
/// drawn while it was enabled, counted when the fault is drawn (a call dropped during its
/// injected latency or its hang is counted).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChaosStats {
    /// Calls that drew their faults (calls while disabled are not counted).
    pub calls: u64,
    /// Calls failed with [`ChaosError::Failed`].
    pub errors: u64,
    /// Calls failed with [`ChaosError::Outage`] (an outage incident).
    pub outages: u64,
    /// Calls made to hang.
    pub hangs: u64,
    /// Calls given the injected latency.
    pub latencies: u64,
}

/// A fault injector: makes a fraction of the calls through it fail, hang or slow down, on
/// tokio's clock, deterministically with a seed. What `#[chaos]` expands into, and usable
/// as a plain value; see the [module docs](super) for the semantics.
///
/// ```
/// # use resile_runtime as resile;
/// use std::time::Duration;
/// use resile::chaos::{Chaos, ChaosConfig, ChaosError};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let chaos = Chaos::new(ChaosConfig::new().error_rate(1.0).latency(Duration::from_millis(20)).seed(1));
/// let start = tokio::time::Instant::now();
/// let r: Result<(), ChaosError> = chaos.call(|| async { Ok(()) }).await;
/// assert_eq!(r, Err(ChaosError::Failed));
/// assert_eq!(start.elapsed(), Duration::from_millis(20));
/// assert_eq!(chaos.stats().errors, 1);
/// # }
/// ```
pub struct Chaos {
    name: Option<&'static str>,
    settings: Swap<Settings>,
    enabled: AtomicBool,
    /// Calls drawn: the next call's number.
    calls: AtomicU64,
    errors: AtomicU64,
    outages: AtomicU64,
    hangs: AtomicU64,
    latencies: AtomicU64,
    /// Whether `incidents` holds any: one load on the call path when none.
    has_incidents: AtomicBool,
    incidents: Swap<Option<Timed>>,
    /// Held while incidents are replaced: two replacements at once could otherwise leave
    /// the flag saying the opposite of the incidents stored last.
    replacing: std::sync::Mutex<()>,
}

impl fmt::Debug for Chaos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chaos")
            .field("name", &self.name)
            .field("config", &self.settings.load().config)
            .field("enabled", &self.is_enabled())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Chaos {
    /// An injector with `config`, enabled. Without a `seed` in `config`, it seeds itself
    /// once from a random number.
    ///
    /// # Panics
    /// If `config` is invalid ([`ChaosConfig::validate`]).
    pub fn new(config: ChaosConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid chaos config: {e}");
        }
        Chaos::with_name(None, config)
    }

    pub(super) fn with_name(name: Option<&'static str>, config: ChaosConfig) -> Self {
        let seed = config.seed.unwrap_or_else(|| fastrand::u64(..));
        Chaos {
            name,
            settings: Swap::new(Settings::new(config, seed, None)),
            enabled: AtomicBool::new(true),
            calls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            outages: AtomicU64::new(0),
            hangs: AtomicU64::new(0),
            latencies: AtomicU64::new(0),
            has_incidents: AtomicBool::new(false),
            incidents: Swap::new(None),
            replacing: std::sync::Mutex::new(()),
        }
    }

    /// Draws each delayed call's latency from `latency` rather than sleeping the fixed
    /// `latency` of the config (a delayed call is still decided by `latency_rate`; with
    /// this set, `latency` need not be).
    pub fn latency_distribution(self, latency: Latency) -> Self {
        let s = self.settings.load();
        self.settings.store(Settings::new(s.config, s.seed, Some(latency)));
        self
    }

    /// Puts `incidents` in force ([`set_incidents`](Self::set_incidents)).
    pub fn incidents(self, incidents: Incidents) -> Self {
        self.set_incidents(incidents);
        self
    }

    /// Puts `incidents` in force, replacing those before. Their windows are timed from the
    /// first call after this one (time zero), on tokio's clock. An empty set removes them.
    /// Each call costs, while incidents are set, one pass over them.
    pub fn set_incidents(&self, incidents: Incidents) {
        let empty = incidents.iter().next().is_none();
        // A panic while holding it leaves nothing half done: the guard only orders writers.
        let _one_at_a_time = self.replacing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.incidents.store(if empty { None } else { Some(Timed { incidents, epoch: OnceLock::new() }) });
        // Orderings: `Release` after the store, paired with the `Acquire` load in `effect`:
        // a call that sees the flag sees the incidents.
        self.has_incidents.store(!empty, Ordering::Release);
    }

    /// Turns injection on or off. Off, calls go straight to the body (one load), and are
    /// not counted.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    /// Whether it injects.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// The settings in force.
    pub fn config(&self) -> ChaosConfig {
        self.settings.load().config
    }

    /// Puts `config` in force for the calls that start after it; calls already running
    /// keep what they drew. The call count continues, so a seeded injector does not replay
    /// its first faults; without a `seed` in `config`, the seed in use stays.
    ///
    /// # Errors
    /// The rule `config` breaks, naming its key; the settings in force stay.
    pub fn reconfigure(&self, config: ChaosConfig) -> Result<(), ConfigError> {
        config.validate()?;
        self.replace(config);
        Ok(())
    }

    pub(super) fn replace(&self, config: ChaosConfig) {
        let s = self.settings.load();
        self.settings.store(Settings::new(config, config.seed.unwrap_or(s.seed), s.distribution.clone()));
    }

    /// The counts since it was created or reset.
    pub fn stats(&self) -> ChaosStats {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ChaosStats {
            calls: load(&self.calls),
            errors: load(&self.errors),
            outages: load(&self.outages),
            hangs: load(&self.hangs),
            latencies: load(&self.latencies),
        }
    }

    /// Zero counts (so a seeded injector replays its faults from the first), and incidents
    /// timed again from the next call; settings stay.
    pub fn reset(&self) {
        for a in [&self.calls, &self.errors, &self.outages, &self.hangs, &self.latencies] {
            a.store(0, Ordering::Relaxed);
        }
        if let Some(timed) = self.incidents.load() {
            self.set_incidents(timed.incidents.clone());
        }
    }

    /// The instance's name; `None` for an injector made with [`Chaos::new`]. (An unnamed
    /// `#[chaos]` site's is named after its function and position.)
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// Runs `op()` through the injector: it may sleep first, fail with
    /// `E::from(ChaosError)` without calling `op`, never complete, or run it (slowed down
    /// during a slowdown incident).
    pub fn call<T, E, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>> + use<T, E, F, Fut>
    where
        E: From<ChaosError>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let start = self.begin(CallSpan::detached(), || Function::free("resile::chaos::Chaos"));
        ChaosFuture::new(start, move |fault: Option<ChaosError>| match fault {
            None => Begun::Body(op()),
            Some(fault) => Begun::Done(Err(E::from(fault))),
        })
    }

    /// What the incidents in force do to a call starting now; `None` without incidents.
    #[inline]
    fn effect(&self) -> Option<Effect> {
        if !self.has_incidents.load(Ordering::Acquire) {
            return None;
        }
        self.effect_slow()
    }

    #[cold]
    #[inline(never)]
    fn effect_slow(&self) -> Option<Effect> {
        let timed = self.incidents.load().as_ref()?;
        let now = Instant::now();
        let epoch = *timed.epoch.get_or_init(|| now);
        Some(timed.incidents.at(now.saturating_duration_since(epoch)))
    }

    /// Decides one call starting now, counts and reports what it injects, and returns
    /// where its future starts. Synchronous: the future of a call left alone is the body's
    /// and two words. `function` names the guarded function for telemetry (built only when
    /// an event is written).
    #[inline]
    fn begin<T, E>(&self, span: &CallSpan, function: impl Fn() -> Function + Copy) -> Start<T, E> {
        if !self.is_enabled() || crate::config::switch::all_off() {
            return Start::RUN;
        }
        let settings = self.settings.load();
        // Orderings: `Relaxed`: the counter only numbers the calls; nothing is published
        // through it.
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        let draws = state::draws(settings.seed, n);
        let effect = self.effect();
        let decision = state::decide(&settings.rates, effect.as_ref(), &draws);
        if decision == state::LEFT_ALONE && effect.is_none() {
            return Start::RUN;
        }
        self.begin_injected(span, function, settings, &draws, effect, decision)
    }

    /// [`begin`](Self::begin) for a call that something is injected into (or that runs
    /// under incidents): out of line.
    #[cold]
    #[inline(never)]
    fn begin_injected<T, E>(
        &self,
        span: &CallSpan,
        function: impl Fn() -> Function + Copy,
        settings: &Settings,
        draws: &state::Draws,
        effect: Option<Effect>,
        decision: state::Decision,
    ) -> Start<T, E> {
        let then = match decision.outcome {
            Outcome::Run => Then::Run { factor: effect.map(|e| e.latency_factor).filter(|f| *f > 1.0) },
            Outcome::Fail(kind) => {
                let (counter, fault) = match kind {
                    ChaosError::Outage => (&self.outages, "outage"),
                    ChaosError::Failed => (&self.errors, "error"),
                };
                self.count(counter, span, function, fault, None);
                Then::Fail(kind)
            }
            Outcome::Hang => {
                self.count(&self.hangs, span, function, "hang", None);
                return Start { stage: Stage::Hang, injected: None };
            }
        };
        if decision.delayed {
            let latency = settings.latency(draws.sample());
            self.count(&self.latencies, span, function, "latency", Some(latency));
            return Start::injected(Injected::Delay { sleep: tokio::time::sleep(latency), then });
        }
        Start::then(then)
    }

    /// Counts an injection of `fault` and reports it.
    #[cold]
    #[inline(never)]
    fn count(
        &self,
        counter: &AtomicU64,
        span: &CallSpan,
        function: impl FnOnce() -> Function,
        fault: &'static str,
        latency: Option<Duration>,
    ) {
        counter.fetch_add(1, Ordering::Relaxed);
        telemetry::chaos_injected(span, function, self.name, fault, latency);
    }
}

/// Turns an injected failure into the caller's error: the bound names `#[chaos]` when `E`
/// lacks `From<ChaosError>`. Used by the attribute's expansion.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[chaos]` needs the error type `{Self}` to implement `From<resile::chaos::ChaosError>`",
    label = "`#[chaos]` returns its injected failures through this error type",
    note = "add `impl From<resile::chaos::ChaosError> for {Self}`, or give the error to inject with `#[chaos(error = ..)]`"
)]
pub trait AcceptsChaosError {
    /// Converts the injected failure into this error type.
    fn from_chaos(error: ChaosError) -> Self;
}

#[diagnostic::do_not_recommend]
impl<E: From<ChaosError>> AcceptsChaosError for E {
    #[inline]
    fn from_chaos(error: ChaosError) -> Self {
        E::from(error)
    }
}

/// The default injected error of `#[chaos]`: `E::from(error)`.
#[doc(hidden)]
#[inline]
pub fn inject<E: AcceptsChaosError>(error: ChaosError) -> E {
    E::from_chaos(error)
}

/// One `#[chaos]` call site: its settings and the injector it uses, its own (created at its
/// first call) or, with a `name`, the shared instance of that name.
pub struct ChaosSite {
    function: &'static str,
    config: ChaosConfig,
    named: Option<Site<Chaos>>,
    own: OnceLock<Chaos>,
}

impl fmt::Debug for ChaosSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChaosSite")
            .field("function", &self.function)
            .field("config", &self.config)
            .field("name", &self.named.as_ref().map(Site::name))
            .finish_non_exhaustive()
    }
}

impl ChaosSite {
    /// A call site of `function` with an injector of its own, with `config` (checked by the
    /// caller: the attribute checks it at compile time).
    pub const fn new(function: &'static str, config: ChaosConfig) -> Self {
        ChaosSite { function, config, named: None, own: OnceLock::new() }
    }

    /// A call site of `function` that declares the shared injector `name` with `config`.
    pub const fn declaring(function: &'static str, name: &'static str, config: ChaosConfig) -> Self {
        ChaosSite { function, config, named: Some(Site::declaring(function, name, config)), own: OnceLock::new() }
    }

    /// A call site of `function` that uses the shared injector `name` as it is configured
    /// elsewhere (or, until then, injecting nothing).
    pub const fn reference(function: &'static str, name: &'static str) -> Self {
        let config = ChaosConfig::new();
        ChaosSite { function, config, named: Some(Site::reference(function, name)), own: OnceLock::new() }
    }

    /// The injector: the shared instance (one load once resolved), or its own (created,
    /// once, at the first call).
    #[inline]
    pub fn instance(&'static self) -> &'static Chaos {
        match &self.named {
            Some(site) => site.get(),
            None => self.own.get_or_init(|| Chaos::with_name(None, self.config)),
        }
    }

    /// Runs a call through the injector. `begin` starts it: `begin(None)` makes the body's
    /// future ([`Begun::Body`]), `begin(Some(fault))` the caller's error for an injected
    /// failure ([`Begun::Done`]); it is called once, when the call is decided (a call left
    /// alone: at once) or after an injected latency. One closure for both, so the error may
    /// use the arguments the body takes. Events go to `span`, the function named with
    /// `impl_type`.
    ///
    /// # Panics
    /// When polled, if `begin(None)` makes a `Done` or `begin(Some(_))` a `Body` (the
    /// expansion never does).
    #[inline]
    pub fn run<T, E, Op, Fut, S>(&'static self, span: &CallSpan, impl_type: S, begin: Op) -> ChaosFuture<Op, Fut, T, E>
    where
        Op: FnOnce(Option<ChaosError>) -> Begun<Fut, Result<T, E>>,
        Fut: Future<Output = Result<T, E>>,
        S: ImplType,
    {
        let function = self.function;
        let start = self.instance().begin(span, move || impl_type.function(function));
        ChaosFuture::new(start, begin)
    }
}

/// What the closure of [`ChaosSite::run`] makes: the body's future, or the call's result
/// (an injected failure, as the caller's error).
#[derive(Debug)]
pub enum Begun<Fut, R> {
    /// The body's future, to run: what `begin(None)` makes.
    Body(Fut),
    /// The call's result, without running the body: what `begin(Some(fault))` makes.
    Done(R),
}

impl<Fut, R> Begun<Fut, R> {
    fn body(self) -> Fut {
        match self {
            Begun::Body(fut) => fut,
            Begun::Done(_) => panic!("`begin(None)` makes the body's future"),
        }
    }

    fn done(self) -> R {
        match self {
            Begun::Done(result) => result,
            Begun::Body(_) => panic!("`begin(Some(fault))` makes the call's result"),
        }
    }
}

/// Where a call's future goes next, after it was decided.
#[derive(Clone, Copy)]
enum Then {
    /// Runs the body; with a slowdown's factor (> 1) when one is in force.
    Run { factor: Option<f64> },
    /// Fails with this error.
    Fail(ChaosError),
}

/// Where a [`ChaosFuture`] is. A call left alone is `Run` from start to end and carries
/// nothing else; what an injected one needs (a timer, a slowdown's start) is boxed in
/// [`Injected`], so that it does not make every call's future larger.
#[derive(Clone, Copy)]
enum Stage {
    /// Polls the body.
    Run,
    /// Fails with this error at the next poll.
    Fail(ChaosError),
    /// Never completes.
    Hang,
    /// In the boxed [`Injected`] stage.
    Injected,
    /// Returned its output.
    Done,
}

pin_project_lite::pin_project! {
    /// The stages of an injected call that need room: boxed, once per such call.
    #[project = InjectedProj]
    enum Injected<T, E> {
        /// Sleeps an injected latency, then goes on as `then` says.
        Delay { #[pin] sleep: Sleep, then: Then },
        /// Polls the body under a slowdown of `factor`, started at `start`.
        Slowed { factor: f64, start: Instant },
        /// The body is done: sleeps what the slowdown adds, then returns its result.
        Stretch { #[pin] sleep: Sleep, result: Option<Result<T, E>> },
    }
}

/// What [`Chaos::begin`] decided: the stage, and the box of an injected call.
struct Start<T, E> {
    stage: Stage,
    injected: Option<Pin<Box<Injected<T, E>>>>,
}

impl<T, E> Start<T, E> {
    const RUN: Self = Start { stage: Stage::Run, injected: None };

    fn then(then: Then) -> Self {
        match then {
            Then::Run { factor: None } => Start::RUN,
            Then::Run { factor: Some(factor) } => Start::injected(Injected::Slowed { factor, start: Instant::now() }),
            Then::Fail(kind) => Start { stage: Stage::Fail(kind), injected: None },
        }
    }

    fn injected(injected: Injected<T, E>) -> Self {
        Start { stage: Stage::Injected, injected: Some(Box::pin(injected)) }
    }
}

pin_project_lite::pin_project! {
    /// The body: the closure that begins the call until it is decided, then the body's
    /// future.
    #[project = BodyProj]
    enum Body<Op, Fut> {
        Waiting { begin: Option<Op> },
        Running { #[pin] fut: Fut },
    }
}

/// Polls the body, beginning it first (`begin(None)`) if it waits.
#[inline]
fn poll_body<Op, Fut, T, E>(mut body: Pin<&mut Body<Op, Fut>>, cx: &mut Context<'_>) -> Poll<Result<T, E>>
where
    Op: FnOnce(Option<ChaosError>) -> Begun<Fut, Result<T, E>>,
    Fut: Future<Output = Result<T, E>>,
{
    loop {
        match body.as_mut().project() {
            BodyProj::Running { fut } => return fut.poll(cx),
            BodyProj::Waiting { begin } => {
                let fut = (begin.take().expect("a call begins once"))(None).body();
                body.set(Body::Running { fut });
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of one call through an injector ([`ChaosSite::run`], and
    /// [`Chaos::call`]): the body (or the closure that begins it), where the call is, and
    /// the box of an injected call. A call the injector leaves alone begins its body when
    /// it is made and polls it and nothing else; an injected latency or a slowdown
    /// allocates its timer (boxed, so that it does not make every call's future larger).
    ///
    /// Dropped at any point, it drops the body and the timer; nothing else is held.
    #[must_use = "futures do nothing unless polled"]
    pub struct ChaosFuture<Op, Fut, T, E> {
        #[pin]
        body: Body<Op, Fut>,
        stage: Stage,
        injected: Option<Pin<Box<Injected<T, E>>>>,
    }
}

impl<Op, Fut, T, E> ChaosFuture<Op, Fut, T, E>
where
    Op: FnOnce(Option<ChaosError>) -> Begun<Fut, Result<T, E>>,
{
    /// A call decided as `start` says: its body begun at once when it runs now (the call
    /// path of a call left alone), else kept to begin later.
    #[inline]
    fn new(start: Start<T, E>, begin: Op) -> Self {
        let body = match start.stage {
            Stage::Run => Body::Running { fut: begin(None).body() },
            _ => Body::Waiting { begin: Some(begin) },
        };
        ChaosFuture { body, stage: start.stage, injected: start.injected }
    }
}

impl<Op, Fut, T, E> fmt::Debug for ChaosFuture<Op, Fut, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match (&self.stage, self.injected.as_deref()) {
            (Stage::Run, _) | (Stage::Injected, Some(Injected::Slowed { .. })) => "run",
            (Stage::Injected, Some(Injected::Delay { .. })) => "delay",
            (Stage::Injected, _) => "stretch",
            (Stage::Fail(_), _) => "fail",
            (Stage::Hang, _) => "hang",
            (Stage::Done, _) => "done",
        };
        f.debug_struct("ChaosFuture").field("stage", &stage).finish_non_exhaustive()
    }
}

impl<Op, Fut, T, E> Future for ChaosFuture<Op, Fut, T, E>
where
    Op: FnOnce(Option<ChaosError>) -> Begun<Fut, Result<T, E>>,
    Fut: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match *this.stage {
                // The body's own future says if it is polled again after completion.
                Stage::Run => return poll_body(this.body.as_mut(), cx),
                Stage::Fail(fault) => {
                    *this.stage = Stage::Done;
                    let BodyProj::Waiting { begin } = this.body.as_mut().project() else {
                        unreachable!("a failed call never began its body")
                    };
                    return Poll::Ready((begin.take().expect("a call begins once"))(Some(fault)).done());
                }
                Stage::Hang => return Poll::Pending,
                Stage::Done => panic!("`ChaosFuture` polled after completion"),
                Stage::Injected => {
                    let injected = this.injected.as_mut().expect("an injected call has its box").as_mut();
                    match poll_injected(injected, this.body.as_mut(), cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Next::Stage(stage)) => *this.stage = stage,
                        Poll::Ready(Next::Output(result)) => {
                            *this.stage = Stage::Done;
                            return Poll::Ready(result);
                        }
                    }
                }
            }
        }
    }
}

/// What an injected stage leads to.
enum Next<T, E> {
    /// Another stage (the box may hold a new one).
    Stage(Stage),
    /// The call's output.
    Output(Result<T, E>),
}

/// Polls the boxed stage of an injected call: out of line, off the path of a call left
/// alone.
#[inline(never)]
fn poll_injected<Op, Fut, T, E>(
    mut injected: Pin<&mut Injected<T, E>>,
    body: Pin<&mut Body<Op, Fut>>,
    cx: &mut Context<'_>,
) -> Poll<Next<T, E>>
where
    Op: FnOnce(Option<ChaosError>) -> Begun<Fut, Result<T, E>>,
    Fut: Future<Output = Result<T, E>>,
{
    match injected.as_mut().project() {
        InjectedProj::Delay { sleep, then } => {
            ready!(sleep.poll(cx));
            let then = *then;
            let stage = match then {
                Then::Run { factor: None } => Stage::Run,
                Then::Run { factor: Some(factor) } => {
                    injected.set(Injected::Slowed { factor, start: Instant::now() });
                    Stage::Injected
                }
                Then::Fail(kind) => Stage::Fail(kind),
            };
            Poll::Ready(Next::Stage(stage))
        }
        InjectedProj::Slowed { factor, start } => {
            let result = ready!(poll_body(body, cx));
            let extra = state::slowdown(*factor, start.elapsed());
            if extra.is_zero() {
                return Poll::Ready(Next::Output(result));
            }
            injected.set(Injected::Stretch { sleep: tokio::time::sleep(extra), result: Some(result) });
            Poll::Ready(Next::Stage(Stage::Injected))
        }
        InjectedProj::Stretch { sleep, result } => {
            ready!(sleep.poll(cx));
            Poll::Ready(Next::Output(result.take().expect("the body's result, once")))
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::telemetry::Free;
    use std::task::{Context, Poll, Waker};

    #[tokio::test(start_paused = true)]
    async fn a_call_dropped_during_its_latency_or_its_hang_leaves_nothing_pending() {
        static SITE: ChaosSite = ChaosSite::new(
            "site-test",
            ChaosConfig::new().hang_rate(1.0).latency(Duration::from_millis(50)).latency_rate(1.0).seed(1),
        );
        let mut cx = Context::from_waker(Waker::noop());
        {
            let begin = |fault: Option<ChaosError>| match fault {
                None => Begun::Body(async { Ok::<(), ()>(()) }),
                Some(_) => Begun::Done(Err(())),
            };
            let mut hang = std::pin::pin!(SITE.run(CallSpan::detached(), Free, begin));
            assert_eq!(hang.as_mut().poll(&mut cx), Poll::Pending);
            tokio::time::advance(Duration::from_secs(3600)).await;
            assert_eq!(hang.as_mut().poll(&mut cx), Poll::Pending);
        }
        let stats = SITE.instance().stats();
        assert_eq!((stats.calls, stats.hangs, stats.latencies), (1, 1, 0), "a hang is not delayed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_latency_distribution_replaces_the_fixed_latency_and_repeats_with_the_seed() {
        let ms = Duration::from_millis;
        let make = || {
            Chaos::new(ChaosConfig::new().latency(ms(1)).latency_rate(1.0).seed(5))
                .latency_distribution(Latency::uniform(ms(100), ms(200)))
        };
        let (a, b) = (make(), make());
        let mut seen = Vec::new();
        for _ in 0..200 {
            let start = Instant::now();
            let r: Result<(), ChaosError> = a.call(|| async { Ok(()) }).await;
            assert_eq!(r, Ok(()));
            let took = start.elapsed();
            assert!((ms(100)..=ms(200)).contains(&took), "{took:?}");
            seen.push(took);
        }
        for expected in &seen {
            let start = Instant::now();
            let _: Result<(), ChaosError> = b.call(|| async { Ok(()) }).await;
            assert_eq!(start.elapsed(), *expected, "the same seed, the same latencies");
        }
        assert!(seen.iter().any(|d| *d < ms(120)) && seen.iter().any(|d| *d > ms(180)));
        assert_eq!(a.stats().latencies, 200);
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_burst_adds_to_the_error_rate_as_an_independent_cause() {
        use crate::faults::{Incident, Incidents};
        let s = Duration::from_secs;
        let chaos = Chaos::new(ChaosConfig::new().error_rate(0.5).seed(11))
            .incidents(Incidents::new().with(Incident::error_burst(s(0), s(1), 0.5)));
        let mut failed = 0u32;
        for _ in 0..4000 {
            let r: Result<(), ChaosError> = chaos.call(|| async { Ok(()) }).await;
            failed += u32::from(r.is_err());
        }
        // 1 - (1 - 0.5)(1 - 0.5) while the burst lasts (no time passes).
        assert!((2850..3150).contains(&failed), "{failed}");
        tokio::time::advance(s(2)).await;
        let mut failed = 0u32;
        for _ in 0..4000 {
            let r: Result<(), ChaosError> = chaos.call(|| async { Ok(()) }).await;
            failed += u32::from(r.is_err());
        }
        assert!((1850..2150).contains(&failed), "after the burst, the error rate alone: {failed}");
    }
}
