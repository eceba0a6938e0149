//! # Operating resile: metrics, logs, configuration, and looking at one call
//!
//! What an operator of a service that uses resile can see and change: the metrics and their
//! queries, the log events, every configuration key with its TOML form, how a configuration
//! is chosen and changed while the service runs (and what happens when a change is bad),
//! and how to see what one call did.
//!
//! ## Metrics
//!
//! With the cargo feature `metrics`, every guarded call reports through the
//! [`metrics`](https://docs.rs/metrics) facade, so any recorder receives them; the Prometheus
//! example (`examples/prometheus.rs`) serves them with `metrics-exporter-prometheus`. Without
//! the feature nothing is reported and nothing is paid. Names and labels are part of resile's
//! contract: a dashboard or an alert written against them keeps working.
//!
//! | metric | kind | labels | meaning |
//! |---|---|---|---|
//! | `resile_calls_total` | counter | `function`, `outcome` = `success` \| `failure` \| `rejected` | guarded calls that ended, by how: `rejected` when a policy refused or cut the call (its error is a [`Rejection`](crate::Rejection)) |
//! | `resile_call_duration_seconds` | histogram | `function` | time from the call's start to its end, retries and waits included |
//! | `resile_retries_total` | counter | `function` | retries made (attempts after the first) |
//! | `resile_retries_exhausted_total` | counter | `function` | calls that failed after their last allowed attempt |
//! | `resile_rejections_total` | counter | `policy`, `name`, `reason` | refusals and timeouts, by the policy and instance that made them |
//! | `resile_circuit_breaker_state` | gauge | `name` | the breaker's state: 0 closed, 1 open, 2 half-open, 3 forced open, 4 disabled |
//! | `resile_circuit_breaker_transitions_total` | counter | `name`, `from`, `to` | state changes |
//! | `resile_hedges_total` | counter | `name`, `result` = `fired` \| `won` \| `denied` | extra attempts started, extra attempts whose result won, and hedges the hedge budget refused |
//! | `resile_bulkhead_in_use` | gauge | `name` | the weights held by running calls |
//! | `resile_bulkhead_waiting` | gauge | `name` | calls queued for permits |
//! | `resile_bulkhead_wait_seconds` | histogram | `name` | how long admitted calls waited for their permits |
//! | `resile_rate_limiter_tokens` | gauge | `name` | tokens in the bucket |
//! | `resile_config` | gauge | `policy`, `name`, `key`, `source` = `live` \| `declared` \| `default` | every configuration value in force, durations in seconds, and where it came from |
//! | `resile_keys_evicted_total` | counter | `policy`, `name` | keyed instances (one instance per `key` under a name, [`docs::keyed`](crate::docs::keyed)) dropped past `max_keys` |
//! | `resile_chaos_injected_total` | counter | `name`, `fault` | faults `#[chaos]` injected (cargo feature `chaos`): `fault` = `error`, `outage`, `latency`, `hang`; an unnamed site's injector is named after its function and position (`app::fetch@12:1`) |
//! | `resile_redis_available` | gauge | `on_unavailable` = `fail_open` \| `fail_closed` \| `local` | with `resile::redis` installed: 1 while Redis decides the `backend = "redis"` rate limits, 0 while the choice the label names does (Redis unreachable) |
//!
//! Label values: `function` is the guarded fn as the logs name it, with the impl type for a
//! method (`Orders::get`); `policy` is the attribute's name (`circuit_breaker`, `bulkhead`,
//! `rate_limit`, `timeout`, `hedge`, `retry_budget`); `reason` is the `Rejection` variant in
//! snake_case (`circuit_open`, `bulkhead_full`, `rate_limited`, `timed_out`, and
//! `no_backend` for a `backend = "redis"` call before `resile::redis::install`); `from` and `to`
//! are states in snake_case (`closed`, `open`, `half_open`, `forced_open`, `disabled`);
//! `key` is the configuration key (`window_size`). A label that would take more than
//! `max_label_values` distinct values (default 1000) folds the rest into `other`, with one
//! warning, so a mistake (a label fed from something unbounded) cannot blow up the time series.
//!
//! Queries that answer the usual questions (PromQL; histograms as
//! `metrics-exporter-prometheus` renders them with buckets set, `..._bucket{le=..}`):
//!
//! ```text
//! # Share of calls that fail, per function
//! sum by (function) (rate(resile_calls_total{outcome="failure"}[5m]))
//!   / sum by (function) (rate(resile_calls_total[5m]))
//!
//! # p99 latency a caller sees, retries and waits included
//! histogram_quantile(0.99, sum by (function, le) (rate(resile_call_duration_seconds_bucket[5m])))
//!
//! # Load amplification: retries per call (0.1 = 10 % more requests reach the downstream)
//! sum by (function) (rate(resile_retries_total[5m])) / sum by (function) (rate(resile_calls_total[5m]))
//!
//! # Calls that gave up after every attempt
//! sum by (function) (increase(resile_retries_exhausted_total[15m])) > 0
//!
//! # What is refusing calls, and why
//! sum by (policy, name, reason) (rate(resile_rejections_total[5m]))
//!
//! # Alert: a breaker is open (1) or forced open (3)
//! resile_circuit_breaker_state == 1 or resile_circuit_breaker_state == 3
//!
//! # A breaker that flaps: many openings in an hour
//! increase(resile_circuit_breaker_transitions_total{to="open"}[1h]) > 5
//!
//! # Share of hedges that won (low: the delay is too short, the hedges only add load)
//! sum by (name) (rate(resile_hedges_total{result="won"}[5m]))
//!   / sum by (name) (rate(resile_hedges_total{result="fired"}[5m]))
//!
//! # Hedges the budget denied (the hedge budget is the limit, not the delay)
//! sum by (name) (rate(resile_hedges_total{result="denied"}[5m])) > 0
//!
//! # Bulkhead saturation: permits in use over the limit in force
//! resile_bulkhead_in_use
//!   / on (name) resile_config{policy="bulkhead", key="max_concurrent"}
//!
//! # Calls queued at a bulkhead, and how long they wait
//! resile_bulkhead_waiting > 0
//! histogram_quantile(0.99, sum by (name, le) (rate(resile_bulkhead_wait_seconds_bucket[5m])))
//!
//! # A rate limiter that runs dry
//! min_over_time(resile_rate_limiter_tokens[5m]) < 1
//!
//! # Instances running on defaults (nobody declared or configured them)
//! count by (policy, name) (resile_config{source="default"})
//!
//! # Configuration changed in the last hour (a live update, a reload)
//! changes(resile_config[1h]) > 0
//!
//! # Keyed instances evicted: the keys in use are more than `max_keys` (raise it)
//! sum by (policy, name) (rate(resile_keys_evicted_total[5m])) > 0
//!
//! # Faults injected per second by a chaos experiment, by kind
//! sum by (name, fault) (rate(resile_chaos_injected_total[1m]))
//!
//! ```
//!
//! ## Log events
//!
//! Every event is a `tracing` event of target `resile`, inside one span per guarded call
//! (target `resile`, `DEBUG`, named `resile`, with the field `function`), created only when
//! a call has something to report and a subscriber wants it. Each event carries
//! `resilience.policy`, `resilience.name` (the instance, where there is one),
//! `resilience.key` (a keyed breaker's key, on its state changes),
//! `resilience.attempt` (where it applies) and the error by its `Display` (never its `Debug`,
//! which may print a backtrace). With no subscriber interested, an event site costs one
//! atomic load. `RUST_LOG=resile=warn` keeps what needs a person: retries exhausted and
//! breakers opening; `resile=debug` shows every retry, rejection, hedge and wait.
//!
//! | event | level | message (example) | more fields |
//! |---|---|---|---|
//! | [`Event::Retry`](crate::telemetry::Event::Retry) | `DEBUG` | `attempt 1 of 3 for Orders::get failed, retrying in 200ms: connection refused` | `delay_ms` |
//! | [`Event::RetriesExhausted`](crate::telemetry::Event::RetriesExhausted) | `WARN` | `retries exhausted for Orders::get after 3 attempts (1.2s since the first failed): connection refused` | `attempts`, `elapsed_ms` |
//! | [`Event::NotRetryable`](crate::telemetry::Event::NotRetryable) | `DEBUG` | `attempt 1 of 3 for Orders::get failed with an error retry_if does not retry: not found` | |
//! | [`Event::RetryOutOfTime`](crate::telemetry::Event::RetryOutOfTime) | `DEBUG` | `attempt 2 for Orders::get failed and is not retried: the next sleep would end past the wall-clock budget: ...` | |
//! | [`Event::RetryHintTooLong`](crate::telemetry::Event::RetryHintTooLong) | `DEBUG` | `attempt 1 for Orders::get failed and is not retried: the error asks to wait 10s, longer than max_delay (5s): ...` | `retry_after_ms` |
//! | [`Event::RetryPastDeadline`](crate::telemetry::Event::RetryPastDeadline) | `DEBUG` | `attempt 3 for Orders::get failed and is not retried: the next sleep (400ms) would end past the deadline, 300ms away: ...` | `delay_ms`, `deadline_in_ms` |
//! | [`Event::RetryBudgetExhausted`](crate::telemetry::Event::RetryBudgetExhausted) | `DEBUG` | ``attempt 1 for Orders::get failed and is not retried: retry budget `db` is exhausted: ...`` | |
//! | [`Event::Rejected`](crate::telemetry::Event::Rejected) | `DEBUG` | ``call to Orders::get refused: circuit breaker `db` is open``, `call to Orders::get timed out after 250ms` | |
//! | [`Event::StateChange`](crate::telemetry::Event::StateChange) | `WARN` to `Open`/`ForcedOpen`, else `INFO` | ``circuit breaker `db`: closed -> open`` | `from`, `to`; `resilience.key` for a keyed breaker's instance (the key by its `Debug`); no `function`: an event of the shared breaker |
//! | [`Event::HedgeFired`](crate::telemetry::Event::HedgeFired), [`Event::HedgeWon`](crate::telemetry::Event::HedgeWon), [`Event::HedgeDenied`](crate::telemetry::Event::HedgeDenied) | `DEBUG` | `hedge: attempt 2 of Orders::get started` | |
//! | [`Event::BulkheadWait`](crate::telemetry::Event::BulkheadWait) | `DEBUG` | ``call to Orders::get waited 20ms for bulkhead `db` `` | `waited_ms` |
//! | [`Event::RateLimitWait`](crate::telemetry::Event::RateLimitWait) | `DEBUG` | ``call to Orders::get waits 333.333334ms for rate limiter `api` `` | `waited_ms` |
//! | [`Event::ChaosInjected`](crate::telemetry::Event::ChaosInjected) | `DEBUG` | `chaos: injected latency (200ms) into Orders::get` | `fault`, `latency_ms` |
//!
//! With `resile::redis` installed, three more `tracing` events of target `resile` (field
//! `backend = "redis"`; they are not [`Event`](crate::telemetry::Event)s): `WARN` when Redis
//! becomes unreachable (``Redis is unreachable: rate limits are now decided by `local` until it
//! answers again``, field `on_unavailable`), `INFO` when it answers again, and `INFO` when a
//! breaker opens because another replica's opened (``circuit breaker `db` opened for 4.98s:
//! another replica published its opening``).
//!
//! The same events reach an [`Observer`](crate::telemetry::Observer) as values
//! ([`set_observer`](crate::telemetry::set_observer)), for a sink that is not `tracing`.
//!
//! ## Configuration: where an instance's settings come from
//!
//! Named instances (circuit breakers, bulkheads, rate limiters, hedge trackers, retry
//! budgets) have one configuration per name, process-wide. It comes, in this order of
//! precedence:
//!
//! 1. **live**: set while the service runs, by `handle.reconfigure(config)`, a TOML text or
//!    file, or a control plane (below);
//! 2. **declared**: in code, by an attribute's keys (`#[circuit_breaker(name = "db",
//!    window_size = 50)]`) or a policy declared once as a `const` and referenced with
//!    `policy = DB`;
//! 3. **default**: the defaults of each attribute's documentation, when nothing declares the
//!    name (`#[circuit_breaker(name = "db")]` with no other key refers to the instance, it
//!    declares nothing). Visible: an event, and `source="default"` on `resile_config`.
//!
//! A live section sets the keys it names; the other keys keep their declared values (or the
//! defaults), key by key, whether the file comes before the instance's first call or after
//! it; the next file is the whole live truth for the sections it names (a key it no longer
//! names goes back to its declared value), and `handle.reconfigure(config)` sets every key.
//! `source()` is `Live` when at least one key is live. Two declarations of one name that differ are a bug: the second is reported at
//! its first call (an `ERROR` event with both configurations; a panic in debug builds, so a
//! test suite finds it). [`registry::names`](crate::registry::names) lists every instance,
//! and each handle's `config()` and `source()` show what is in force.
//!
//! ## Configuration keys, by TOML section
//!
//! A configuration file (or text, or a control plane's answer) has one section per instance:
//! `[<policy>.<name>]`, with the keys below (spelled as the attribute keys), durations as
//! strings with a unit (`"250ms"`, `"1.5s"`; `ns us ms s m h`). A `[circuit_breaker.*]`,
//! `[bulkhead.*]` or `[rate_limit.*]` section also takes `enabled = false`: the instance lets
//! every call through unguarded, still counted in the metrics, at a cost near a raw call,
//! until a file no longer says so (`enabled = true`, or the section is gone). `[hedge.*]` and
//! `[retry_budget.*]` have no `enabled`. A file is checked whole: one key a section does not
//! take, and nothing changes.
//!
//! ```
//! let applied = resile::config::apply_toml(
//!     r#"
//! [circuit_breaker.db]
//! failure_rate_threshold = 0.25
//! open_timeout = "30s"
//!
//! [bulkhead.warmup]
//! max_concurrent = 8
//!
//! [rate_limit.partner-api]
//! rate = 50.0
//! burst_size = 100.0
//!
//! [hedge.replicas]
//! percentile = 95.0
//! min_samples = 20
//!
//! [retry_budget.db]
//! ratio = 0.1
//!
//! [circuit_breaker.reports]
//! enabled = false
//! "#,
//! );
//! assert!(applied.is_ok(), "{}", applied.unwrap_err());
//! ```
//!
//! **A call site's own keys.** Some keys of an attribute belong to each call site, not to
//! the instance its `name` shares: a bulkhead's `weight` and `max_wait`, a rate limiter's
//! `weight` and `max_wait`, a hedge's `delay`, `max_requests` and `timeout`. Two sites of
//! one name may differ in them (a heavy query takes 3 permits, a light one 1), so there is
//! no one value for a file to set: a section that names one is refused, naming the keys it
//! can set. They are set in code, on each attribute. A file must also leave room for them:
//! a `max_concurrent` or a burst below the `weight` of a call site that uses the instance
//! is refused, as that site's calls could never run.
//!
//! Callbacks (`should_record`, `retry_if`, `fatal`, ...) and per-site keys that are not an
//! instance's (a `#[retry]`'s `max` and backoff, a `#[timeout]`) are set in code only.
//!
//! ### `[circuit_breaker.<name>]`
//!
//! | key | TOML value | default | meaning |
//! |---|---|---|---|
//! | `window` | `"count"` \| `"time"` | `"count"` | the last `window_size` calls, or the calls of the last `window_size` seconds |
//! | `window_size` | integer | `100` | calls (count) or seconds (time) |
//! | `failure_rate_threshold` | number in `(0, 1]` | `0.5` | trip when the failure rate is at least this |
//! | `slow_call_threshold` | duration | none | a call slower than this is slow |
//! | `slow_call_rate_threshold` | number in `(0, 1]` | `1.0` | trip when the slow call rate is at least this |
//! | `minimum_calls` | integer | `10` | no trip before this many recorded calls in the window |
//! | `open_timeout` | duration | `"60s"` | time open before half-open |
//! | `permitted_calls_in_half_open` | integer ≥ 1 | `1` | probes allowed; all succeed ⇒ closed, any fails ⇒ open |
//! | `open_timeout_multiplier` | number ≥ 1 | `1.0` | each reopening from half-open without a close in between lasts this many times the previous opening |
//! | `max_open_timeout` | duration | `open_timeout` | the longest an opening lasts, however often it reopens |
//! | `enabled` | `true` \| `false` | `true` | `false`: every call passes unguarded |
//!
//! ### `[bulkhead.<name>]`
//!
//! | key | TOML value | default | meaning |
//! |---|---|---|---|
//! | `max_concurrent` | integer ≥ 1, ≥ every site's `weight` | required | the sum of the weights of the calls that may run at once; an adaptive bulkhead's ceiling |
//! | `adaptive` | `"gradient2"` \| `"vegas"` \| `"aimd"` | none | the algorithm that adapts the limit; taken when the bulkhead is created, a later change has no effect |
//! | `min_concurrent` | integer, `1..=max_concurrent` | `1` | an adaptive bulkhead's lowest limit; moving it brings the limit within the bounds at once |
//! | `initial_concurrent` | integer, `min_concurrent..=max_concurrent` | 20 (≤ `max_concurrent`) | an adaptive bulkhead's first limit; taken when it is created |
//! | `enabled` | `true` \| `false` | `true` | `false`: every call passes unguarded |
//!
//! Each site's own: `weight` (the permits one call takes, `1`) and `max_wait` (how long a
//! call may wait for its permits, `"0ms"`: refused at once).
//!
//! ### `[rate_limit.<name>]`
//!
//! | key | TOML value | default | meaning |
//! |---|---|---|---|
//! | `rate` | number > 0 | required | tokens added per second |
//! | `burst_size` | number, ≥ every site's `weight` | = rate | tokens the bucket holds when full (it starts full) |
//! | `enabled` | `true` \| `false` | `true` | `false`: every call passes unguarded |
//!
//! Each site's own: `weight` (the tokens one call takes, `1`) and `max_wait` (a call waits
//! when its tokens come within this, inclusive, else it is refused at once; `"0ms"`).
//!
//! ### `[hedge.<name>]`
//!
//! The shared tracker of the adaptive mode and the hedge budget:
//!
//! | key | TOML value | default | meaning |
//! |---|---|---|---|
//! | `percentile` | number in `(0, 100)` | none | adaptive mode: the delay is this latency percentile of recent calls |
//! | `buffer_size` | integer | `1000` | adaptive mode: recent latencies the percentile is computed over |
//! | `min_samples` | integer | `10` | adaptive mode: latencies recorded before the percentile is used |
//! | `initial_delay` | duration | `"100ms"` | adaptive mode: the delay before `min_samples` |
//! | `min_delay` | duration | `"1ms"` | adaptive mode: lower clamp of the delay |
//! | `max_delay` | duration | `"5s"` | adaptive mode: upper clamp of the delay |
//! | `token_max` | number | `10.0` | hedge budget: capacity, starting full |
//! | `token_success_credit` | number | `0.1` | hedge budget: tokens credited per successful call |
//! | `token_hedge_cost` | number | `1.0` | hedge budget: tokens per extra attempt |
//! | `token_threshold` | number | `1.0` | hedge budget: tokens needed for an extra attempt |
//!
//! Each site's own: `delay` (the static delay before each extra attempt, `"100ms"`),
//! `max_requests` (attempts started per call, the first included, `2`) and `timeout` (the
//! call's overall deadline, none).
//!
//! ### `[retry_budget.<name>]`
//!
//! | key | TOML value | default | meaning |
//! |---|---|---|---|
//! | `ratio` | number in `0.0..=1000.0` | `0.2` | retries allowed per first attempt |
//! | `min_per_sec` | integer | `10` | retries always allowed per second, on top of the ratio |
//! | `ttl` | duration in `1s..=60s` | `"10s"` | the sliding window both are counted over |
//!
//! ### `[chaos.<name>]`
//!
//! With the cargo feature `chaos`: a `#[chaos(name = "..")]` injector.
//!
//! | key | TOML value | default | meaning |
//! |---|---|---|---|
//! | `error_rate` | number in `0.0..=1.0` | `0` | share of calls failed with the injected error |
//! | `latency` | duration | none | sleep injected before a call |
//! | `latency_rate` | number in `0.0..=1.0`, with `latency` | `1.0` | share of calls (that do not hang) slowed |
//! | `hang_rate` | number in `0.0..=1.0` | `0` | share of calls that never complete; `error_rate + hang_rate ≤ 1` |
//! | `seed` | integer | none | seed of the draws: the same order of calls gets the same faults |
//! | `enabled` | `true` / `false` | `true` | `false`: calls go straight to the body (`resile::chaos(name).set_enabled`) |
//!
//! (These tables are checked by a test against the keys a section takes, with
//! `resile-config`'s defaults: a new key cannot go undocumented, and a call site's own key
//! cannot be listed as a section's.)
//!
//! ## Changing the configuration while the service runs
//!
//! No restart, and no lock on the call path: an instance reads its settings through a
//! generation swap, so a call that started keeps the settings it started with and the next
//! one sees the new ones. Every way in validates with the same rules and messages as the
//! attributes do at compile time.
//!
//! **One instance, from code:**
//!
//! ```
//! # #[resile::circuit_breaker(name = "db")]
//! # async fn query() -> Result<(), resile::Rejection> { Ok(()) }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), resile::ConfigError> {
//! # query().await.unwrap();
//! let db = resile::circuit_breaker("db");
//! let config = db.config().expect("the breaker exists").failure_rate_threshold(0.25);
//! db.reconfigure(config)?; // Err(ConfigError) names the key; the last good config stays
//! assert_eq!(db.source(), Some(resile::registry::Source::Live));
//! # Ok(())
//! # }
//! ```
//!
//! **A TOML text**, all or nothing:
//!
//! ```
//! # fn main() -> Result<(), resile::ConfigError> {
//! let applied = resile::config::apply_toml(
//!     r#"
//!     [circuit_breaker.db]
//!     open_timeout = "30s"
//! "#,
//! )?;
//! println!("{applied}"); // circuit_breaker.db: open_timeout
//! # Ok(())
//! # }
//! ```
//!
//! **A file, watched:**
//!
//! ```no_run
//! # use std::time::Duration;
//! # #[tokio::main]
//! # async fn main() {
//! // Needs the `watch` feature. Keep the watcher: dropping it stops the watch.
//! let _watcher = resile::config::watch_file("/etc/orders/resile.toml", Duration::from_secs(5));
//! # }
//! ```
//!
//! **A control plane**, behind the [`ConfigSource`] trait, polled:
//!
//! ```no_run
//! # use std::time::Duration;
//! struct ControlPlane {/* a client */}
//!
//! impl resile::config::ConfigSource for ControlPlane {
//!     type Error = std::io::Error;
//!     async fn fetch(&mut self) -> Result<String, std::io::Error> {
//!         // Ask the service for the current TOML text.
//!         Ok(String::from("[rate_limit.api]\nrate = 100.0\n"))
//!     }
//! }
//!
//! # #[tokio::main]
//! # async fn main() {
//! // Keep the poller: dropping it stops the polling.
//! let _poller = resile::config::poll(ControlPlane {}, Duration::from_secs(30));
//! # }
//! ```
//!
//! **Everything off** (an incident where resile itself is suspected), and back on:
//!
//! ```
//! resile::config::set_enabled(false); // every call passes unguarded, still counted
//! assert!(!resile::config::is_enabled());
//! resile::config::set_enabled(true);
//! ```
//!
//! [`ConfigSource`]: crate::config::ConfigSource
//!
//! ### When an update is bad
//!
//! - **A bad value or an unknown key** (`reconfigure`, `apply_toml`): the whole update is
//!   refused and nothing changes, not even the good sections of the same text. The
//!   [`ConfigError`](crate::ConfigError) names the key (and, from TOML, its section) and
//!   says what was expected, in the words of the compile-time errors (``[bulkhead.pool]
//!   `max_concurrent` must be at least 1, found 0``; an unknown key gets a "did you mean"). The last
//!   good configuration stays in force.
//! - **A watched file that turns bad** (a half-written deploy, a typo): the reload is refused
//!   as above and reported (an `ERROR` event naming the file, the section and the key); the
//!   last good configuration stays. The watcher keeps watching: the next good version of the
//!   file is applied. A file that disappears is reported the same way and changes nothing.
//! - **A control plane that is down** (`poll` gets an error from the source): the last good
//!   configuration stays, the failure is reported (`WARN`, with the delay), and the source
//!   is asked again with exponential backoff, never a tight loop against a struggling control
//!   plane: the `n`-th failure in a row waits `interval × 2^(n-1)`, capped at 5 minutes
//!   ([`default_backoff`](crate::config::default_backoff); `poll_with_backoff` takes any
//!   retry backoff). The first good answer is applied, reported (`INFO`), and polling goes
//!   back to the interval. A source that answers with a bad configuration is treated as a
//!   bad update: refused, named, reported once until its text changes.
//!
//! After any of these, `resile_config{source="live"}` and each handle's `config()` show what
//! is actually in force.
//!
//! ## Looking at one call: the timeline
//!
//! Metrics aggregate and logs interleave; to see what *one* call did, capture it.
//! [`timeline::capture`](crate::timeline::capture) runs a future and returns, with its
//! output, every attempt of the guarded calls inside it (start, duration, outcome), every
//! retry delay, hedge, rejection and wait, on tokio's clock. Useful in a test (on a paused
//! clock every time is exact), in a debug endpoint that replays one request, or in an
//! incident to see where a slow request spent its time.
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use std::time::Duration;
//! use resile::timeline::{self, AttemptOutcome};
//!
//! # #[derive(Debug)]
//! # struct Down;
//! # impl From<resile::Rejection> for Down {
//! #     fn from(_: resile::Rejection) -> Self { Down }
//! # }
//! static CALLS: AtomicU32 = AtomicU32::new(0);
//!
//! #[resile::retry(max = 3, base_delay = "50ms", jitter = "none")]
//! #[resile::timeout("100ms")]
//! async fn load(id: u64) -> Result<u64, Down> {
//!     if CALLS.fetch_add(1, Ordering::Relaxed) == 0 {
//!         tokio::time::sleep(Duration::from_secs(1)).await; // the first attempt hangs
//!     }
//!     Ok(id)
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let (user, timeline) = timeline::capture(load(7)).await;
//! assert_eq!(user.unwrap(), 7);
//! let attempts: Vec<_> = timeline.attempts().map(|(at, a)| (at, a.took, a.outcome)).collect();
//! assert_eq!(attempts, [
//!     (Duration::ZERO, Duration::from_millis(100), AttemptOutcome::Rejected), // timed out
//!     (Duration::from_millis(150), Duration::ZERO, AttemptOutcome::Success),  // after 50 ms
//! ]);
//! println!("{timeline}");
//! # }
//! ```
//!
//! prints
//!
//! ```text
//! timeline: 4 entries
//!        at      took  call  function         what
//!       0ns     100ms     1  operating::load  attempt 1: rejected
//!     100ms               1  operating::load  rejected by timeout: timed out after 100ms
//!     100ms      50ms     1  operating::load  retry after attempt 1: sleep 50ms
//!     150ms       0ns     1  operating::load  attempt 2: success
//! ```
//!
//! A capture costs the calls outside it nothing measurable (one load of a per-function
//! switch while no capture runs, see [`timeline`](crate::timeline)); inside it, each call
//! allocates its record, so keep it for one call at a time, not for every request.
