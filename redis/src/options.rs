//! [`Options`] and [`Unavailable`]: how the backend talks to Redis, and what it does when
//! it cannot.

use std::time::Duration;

/// What a rate-limit decision does while Redis is unreachable. The choice in
/// force is reported when it starts and ends (a `tracing` WARN, then INFO, target `resile`)
/// and shown by the `resile_redis_available` gauge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unavailable {
    /// Admit every call: availability over the limit.
    FailOpen,
    /// Refuse every call with `Rejection::RateLimited`, whose `retry_after` is the time
    /// until the next reconnection attempt: the limit over availability.
    FailClosed,
    /// Decide in this process, with a local limiter (the runtime's GCRA) per name at
    /// `share` of the limit's `rate` and `burst_size` (at least one call's `weight`):
    /// with `n` replicas, `share = 1.0 / n` keeps the fleet near the global rate.
    Local {
        /// The fraction of the global limit each replica takes, in `(0, 1]`.
        share: f64,
    },
}

impl Unavailable {
    /// The name the gauge and the events give the choice: `fail_open`, `fail_closed`, `local`.
    pub fn label(&self) -> &'static str {
        match self {
            Unavailable::FailOpen => "fail_open",
            Unavailable::FailClosed => "fail_closed",
            Unavailable::Local { .. } => "local",
        }
    }
}

/// How the backend uses Redis. Built with the setters from [`Options::default`].
///
/// ```
/// use std::time::Duration;
/// use resile_redis::{Options, Unavailable};
///
/// let options = Options::default()
///     .on_unavailable(Unavailable::Local { share: 0.25 })
///     .key_prefix("checkout")
///     .timeout(Duration::from_millis(50));
/// assert_eq!(options.get_key_prefix(), "checkout");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub(crate) on_unavailable: Unavailable,
    pub(crate) key_prefix: String,
    pub(crate) timeout: Duration,
    pub(crate) min_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) sync_interval: Duration,
}

impl Default for Options {
    /// `Local { share: 1.0 }`, prefix `resile`, a 100 ms timeout, a backoff from 100 ms to
    /// 5 s, and breaker state polled every second.
    fn default() -> Self {
        Options {
            on_unavailable: Unavailable::Local { share: 1.0 },
            key_prefix: "resile".to_owned(),
            timeout: Duration::from_millis(100),
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            sync_interval: Duration::from_secs(1),
        }
    }
}

impl Options {
    /// What a decision does while Redis is unreachable. Default `Local { share: 1.0 }`.
    pub fn on_unavailable(mut self, choice: Unavailable) -> Self {
        self.on_unavailable = choice;
        self
    }

    /// The prefix of every key and channel: limits at `PREFIX:rl:NAME`, breakers at
    /// `PREFIX:cb:NAME`, openings published on `PREFIX:cb`. Default `resile`. Services that
    /// share a server and must not share limits take different prefixes.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The longest a connection attempt or one command may take before the server counts
    /// as unreachable. Default 100 ms: a decision never waits longer than this for Redis.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The reconnection backoff: after a failure, Redis is not asked again before `min`,
    /// then twice as long after each failed attempt, up to `max`. Meanwhile every decision
    /// is the [`Unavailable`] choice, at once. Default 100 ms to 5 s.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max;
        self
    }

    /// How often each replica reads the shared breakers' state, the backstop for an
    /// opening whose message it missed. Default 1 s.
    pub fn sync_interval(mut self, interval: Duration) -> Self {
        self.sync_interval = interval;
        self
    }

    /// The choice in force while Redis is unreachable.
    pub fn get_on_unavailable(&self) -> Unavailable {
        self.on_unavailable
    }

    /// The prefix of keys and channels.
    pub fn get_key_prefix(&self) -> &str {
        &self.key_prefix
    }

    pub(crate) fn validate(&self) -> Result<(), crate::Error> {
        let bad = |m: &str| Err(crate::Error::Options(m.to_owned()));
        if let Unavailable::Local { share } = self.on_unavailable
            && !(share > 0.0 && share <= 1.0)
        {
            return bad("`Unavailable::Local { share }` needs `share` within (0, 1]");
        }
        if self.timeout.is_zero() {
            return bad("`timeout` must be above zero");
        }
        if self.min_backoff.is_zero() || self.max_backoff < self.min_backoff {
            return bad("`backoff(min, max)` needs 0 < min <= max");
        }
        if self.sync_interval.is_zero() {
            return bad("`sync_interval` must be above zero");
        }
        Ok(())
    }
}
