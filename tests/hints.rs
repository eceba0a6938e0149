//! Hints from the error: `#[retry(retry_after = ..)]` against a server's 429, an inner rate
//! limiter and an open breaker, each to the exact instant on tokio's paused clock; and the
//! hints that stop the retries (above `max_delay`, past `budget`).

use std::sync::Mutex;
use std::time::Duration;

use resile::{AsRejection, Rejection};
use tokio::time::{Instant, advance};

#[derive(Debug, Clone, PartialEq)]
enum E {
    /// A server's "429 Too Many Requests" with its `Retry-After`.
    TooMany(Duration),
    Down,
    Refused(Rejection),
}
impl From<Rejection> for E {
    fn from(r: Rejection) -> Self {
        E::Refused(r)
    }
}
impl AsRejection for E {
    fn as_rejection(&self) -> Option<&Rejection> {
        match self {
            E::Refused(r) => Some(r),
            _ => None,
        }
    }
}

fn server_hint(e: &E) -> Option<Duration> {
    match e {
        E::TooMany(d) => Some(*d),
        _ => Rejection::hint(e),
    }
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// When each attempt started, from the test's start.
#[derive(Debug)]
struct Starts(Mutex<Vec<Duration>>, Instant);
impl Starts {
    fn new() -> Self {
        Starts(Mutex::new(Vec::new()), Instant::now())
    }
    /// Records an attempt; returns its number (from 1).
    fn mark(&self) -> usize {
        let mut v = self.0.lock().unwrap();
        v.push(self.1.elapsed());
        v.len()
    }
    fn get(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

// ---- a server's 429 -------------------------------------------------------------------------

#[resile::retry(max = 3, base_delay = "10ms", jitter = "none", retry_after = server_hint)]
async fn asks_to_wait(starts: &Starts, wait: Duration) -> Result<usize, E> {
    let n = starts.mark();
    if n == 1 { Err(E::TooMany(wait)) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn a_429_hint_starts_the_next_attempt_exactly_at_the_hinted_instant() {
    let starts = Starts::new();
    assert_eq!(asks_to_wait(&starts, ms(250)).await, Ok(2));
    assert_eq!(starts.get(), [ms(0), ms(250)], "the hint (250 ms) over the backoff (10 ms)");

    // Shorter than the backoff: the backoff wins.
    let starts = Starts::new();
    assert_eq!(asks_to_wait(&starts, ms(3)).await, Ok(2));
    assert_eq!(starts.get(), [ms(0), ms(10)]);
}

#[tokio::test(start_paused = true)]
async fn a_sub_millisecond_hint_rounds_up_to_the_next_tick_never_down() {
    // tokio's timer has whole-millisecond ticks: on a clock that advances by itself, a
    // 1.5 ms hint starts the next attempt at 2 ms.
    let starts = Starts::new();
    assert_eq!(asks_to_wait(&starts, Duration::from_micros(1500)).await, Ok(2));
    assert_eq!(starts.get(), [ms(0), ms(10)], "the 10 ms backoff is longer");

    #[resile::retry(max = 2, base_delay = "0ms", jitter = "none", retry_after = server_hint)]
    async fn no_backoff(starts: &Starts, wait: Duration) -> Result<usize, E> {
        let n = starts.mark();
        if n == 1 { Err(E::TooMany(wait)) } else { Ok(n) }
    }
    let starts = Starts::new();
    assert_eq!(no_backoff(&starts, Duration::from_micros(1500)).await, Ok(2));
    assert_eq!(starts.get(), [ms(0), ms(2)]);
}

#[tokio::test(start_paused = true)]
async fn a_clock_read_between_ticks_does_not_start_the_attempt_early() {
    #[resile::retry(max = 2, base_delay = "0ms", jitter = "none", retry_after = server_hint)]
    async fn no_backoff(starts: &Starts, wait: Duration) -> Result<usize, E> {
        let n = starts.mark();
        if n == 1 { Err(E::TooMany(wait)) } else { Ok(n) }
    }
    let starts: &'static Starts = Box::leak(Box::new(Starts::new()));
    let call = tokio::spawn(no_backoff(starts, Duration::from_micros(1500)));
    let settle = || async {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    };
    settle().await;
    assert_eq!(starts.get(), [ms(0)]);
    // 1.2 ms, then 1 µs before the hint: a timer that rounded the clock up to its next
    // millisecond tick (2, the hint's) would start the attempt here. tokio's does not.
    advance(Duration::from_micros(1200)).await;
    settle().await;
    assert_eq!(starts.get(), [ms(0)], "started before the hint");
    advance(Duration::from_micros(299)).await;
    settle().await;
    assert_eq!(starts.get(), [ms(0)], "started 1 µs before the hint");
    // Past the hint: the next attempt starts within a tick.
    advance(Duration::from_micros(1001)).await;
    settle().await;
    assert_eq!(call.await.unwrap(), Ok(2));
    let started = starts.get()[1];
    assert!(started >= Duration::from_micros(1500) && started <= Duration::from_micros(2500), "{started:?}");
}

// ---- an inner rate limiter ------------------------------------------------------------------

static DELAYS: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
fn note_delay(_: u32, delay: Duration, _: &E) {
    DELAYS.lock().unwrap().push(delay);
}

#[resile::retry(max = 2, base_delay = "1ms", jitter = "none", retry_after = Rejection::hint, on_retry = note_delay)]
#[resile::rate_limit(name = "hints-limited", rate = 3.0, burst_size = 1)]
async fn limited(starts: &Starts) -> Result<usize, E> {
    Ok(starts.mark())
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_rejection_hint_is_waited_for_exactly() {
    let starts = Starts::new();
    assert_eq!(limited(&starts).await, Ok(1));
    // The bucket is empty: refused with `retry_after` = 333 333 334 ns, which the retry
    // sleeps (not its 1 ms backoff), and the second attempt is admitted.
    assert_eq!(limited(&starts).await, Ok(2));
    assert_eq!(*DELAYS.lock().unwrap(), [Duration::from_nanos(333_333_334)]);
    // The timer's tick after 333.333334 ms: the first at which the call is admitted.
    assert_eq!(starts.get(), [ms(0), ms(334)]);
}

// ---- an open breaker ------------------------------------------------------------------------

static BREAKER_DELAYS: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
fn note_breaker_delay(_: u32, delay: Duration, _: &E) {
    BREAKER_DELAYS.lock().unwrap().push(delay);
}

#[resile::retry(max = 3, base_delay = "10ms", jitter = "none", retry_after = Rejection::hint, on_retry = note_breaker_delay)]
#[resile::circuit_breaker(name = "hints-breaker", window_size = 1, minimum_calls = 1, open_timeout = "1s")]
async fn behind_breaker(starts: &Starts) -> Result<usize, E> {
    let n = starts.mark();
    if n == 1 { Err(E::Down) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn an_open_breakers_hint_is_its_half_open_instant() {
    let starts = Starts::new();
    // Attempt 1 fails and opens the breaker; after the 10 ms backoff, attempt 2 is refused
    // (the body does not run) with a hint of 990 ms; attempt 3 is the half-open probe at
    // exactly 1 s.
    assert_eq!(behind_breaker(&starts).await, Ok(2));
    assert_eq!(*BREAKER_DELAYS.lock().unwrap(), [ms(10), ms(990)]);
    assert_eq!(starts.get(), [ms(0), ms(1000)]);
}

#[tokio::test(start_paused = true)]
async fn a_circuit_open_rejection_reads_the_time_left_when_asked() {
    use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
    let name = "hints-asked";
    let cfg = CircuitBreakerConfig::new().window_size(1).minimum_calls(1).open_timeout(ms(1500));
    let breaker = CircuitBreaker::named(name, cfg);
    let open = Rejection::CircuitOpen { name };
    assert_eq!(open.retry_after(), None, "closed");
    let _ = breaker.call(|| async { Err::<(), E>(E::Down) }).await;
    assert_eq!(open.retry_after(), Some(ms(1500)));
    advance(Duration::from_nanos(1)).await;
    assert_eq!(open.retry_after(), Some(ms(1500) - Duration::from_nanos(1)));
    advance(ms(2000)).await;
    assert_eq!(open.retry_after(), Some(Duration::ZERO), "due: the next call is the probe");
    breaker.force_open();
    assert_eq!(open.retry_after(), None, "forced open holds until an operator acts");
    breaker.reset();
    assert_eq!(Rejection::CircuitOpen { name: "hints-no-such-breaker" }.retry_after(), None);
}

// ---- hints that stop the retries ------------------------------------------------------------

#[resile::retry(max = 3, base_delay = "10ms", max_delay = "1s", jitter = "none", retry_after = server_hint)]
async fn capped(starts: &Starts, wait: Duration) -> Result<usize, E> {
    let n = starts.mark();
    Err(E::TooMany(wait)).map(|()| n)
}

#[tokio::test(start_paused = true)]
async fn a_hint_above_max_delay_stops_with_its_error() {
    let starts = Starts::new();
    assert_eq!(capped(&starts, ms(1001)).await, Err(E::TooMany(ms(1001))));
    assert_eq!(starts.get(), [ms(0)], "no sleep, no second attempt");
    // Equal to `max_delay`: waited for.
    let starts = Starts::new();
    assert_eq!(capped(&starts, ms(1000)).await, Err(E::TooMany(ms(1000))));
    assert_eq!(starts.get(), [ms(0), ms(1000), ms(2000)]);
}

#[resile::retry(max = 3, base_delay = "10ms", budget = "500ms", jitter = "none", retry_after = server_hint)]
async fn budgeted(starts: &Starts, wait: Duration) -> Result<usize, E> {
    let n = starts.mark();
    Err(E::TooMany(wait)).map(|()| n)
}

#[tokio::test(start_paused = true)]
async fn the_events_show_the_hint() {
    use resile::telemetry::{Event, Observer, clear_observer, set_observer};
    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    struct Hints;
    impl Observer for Hints {
        fn on_event(&self, event: &Event<'_>) {
            let shown = format!("{event:?}");
            if shown.contains("hints::shown") {
                SEEN.lock().unwrap().push(shown);
            }
        }
    }
    #[resile::retry(max = 3, base_delay = "10ms", max_delay = "1s", jitter = "none", retry_after = server_hint)]
    async fn shown(starts: &Starts) -> Result<usize, E> {
        let n = starts.mark();
        Err(E::TooMany(if n == 1 { ms(250) } else { ms(5000) })).map(|()| n)
    }
    set_observer(Hints);
    let starts = Starts::new();
    assert_eq!(shown(&starts).await, Err(E::TooMany(ms(5000))));
    clear_observer();
    let seen = SEEN.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    assert!(
        seen[0].starts_with("Retry {") && seen[0].contains("delay: 250ms, retry_after: Some(250ms)"),
        "{}",
        seen[0]
    );
    assert!(
        seen[1].starts_with("RetryHintTooLong {") && seen[1].contains("retry_after: 5s, max_delay: 1s"),
        "{}",
        seen[1]
    );
}

#[tokio::test(start_paused = true)]
async fn a_hint_past_the_budget_stops_with_its_error() {
    let starts = Starts::new();
    assert_eq!(budgeted(&starts, ms(501)).await, Err(E::TooMany(ms(501))));
    assert_eq!(starts.get(), [ms(0)]);
    // 300 ms, then 300 ms more would end at 600 ms: the second hint stops.
    let starts = Starts::new();
    assert_eq!(budgeted(&starts, ms(300)).await, Err(E::TooMany(ms(300))));
    assert_eq!(starts.get(), [ms(0), ms(300)]);
    // Ending exactly at the budget is allowed.
    let starts = Starts::new();
    assert_eq!(budgeted(&starts, ms(250)).await, Err(E::TooMany(ms(250))));
    assert_eq!(starts.get(), [ms(0), ms(250), ms(500)]);
}

// ---- the plain value ------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_plain_retry_value_takes_a_hint_too() {
    use resile::Retry;
    use resile::retry::{Jitter, RetryConfig};
    let retry: Retry<E> =
        Retry::new(RetryConfig::new().max(2).base_delay(ms(1)).jitter(Jitter::None)).retry_after(server_hint);
    let starts = Starts::new();
    let r = retry
        .call(|| {
            let n = starts.mark();
            async move { if n == 1 { Err(E::TooMany(ms(70))) } else { Ok(n) } }
        })
        .await;
    assert_eq!(r, Ok(2));
    assert_eq!(starts.get(), [ms(0), ms(70)]);
}
