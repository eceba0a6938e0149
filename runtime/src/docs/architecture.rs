//! # Architecture
//!
//! resile is three crates and one shape, repeated for every policy.
//!
//! ## The three crates
//!
//! | crate | role |
//! |---|---|
//! | `resile-config` | every `XConfig` type, the attributes' defaults, the key names and every rule (one key, or several), each written once; no dependencies |
//! | `resile-macros` | parses an attribute, validates it through `resile-config` at compile time, and emits a thin, straight-line call into the runtime |
//! | `resile-runtime` | the policies, the shared registries, telemetry; usable without macros |
//!
//! The facade, `resile`, re-exports the attributes and the runtime. A mistake gets the same
//! words whether the attribute, `reconfigure` or (later) a TOML file makes it, because all
//! three validate through `resile-config`.
//!
//! ## The policy kit ([`kit`](crate::kit))
//!
//! - [`NamedPolicy`](crate::kit::NamedPolicy): what a policy with named, shared instances
//!   tells the kit (its kind, its configuration type, how to create, reconfigure and reset
//!   one).
//! - [`Registry`](crate::kit::Registry): one generic map from name to instance per kind,
//!   with one declaration rule: live configuration, else the declaration, else
//!   the defaults; a reference declares nothing; a second, different declaration is an
//!   ERROR event, and a panic in debug builds.
//! - [`Site`](crate::kit::Site): a call site's reference to a named instance, kept in the
//!   call site's `static` and resolved once.
//! - The telemetry funnel ([`telemetry`](crate::telemetry)): every event is described once
//!   and goes to `tracing`, to the observer (and later to metrics) the same way, as a
//!   child of the call's lazily created span ([`CallSpan`](crate::telemetry::CallSpan)).
//!
//! ## The three call shapes
//!
//! The attributes of one function expand into one pipeline inside the function's own
//! body, outermost first. Each policy takes one of three shapes (`macros/src/shapes.rs`),
//! so that the cheapest future, the one that is not there, is the common one:
//!
//! | shape | policies | what the expansion writes |
//! |---|---|---|
//! | admission | circuit breaker, bulkhead, rate limiter | a synchronous `admit` that gives a permit, kept where it was built; if admitted, one `.await` of what is inside, then the permit records the result; if not, the rejection as the caller's error. No future of its own. The bulkhead and the rate limiter take it with a guard: a synchronous `try_admit()`, and only when it fails a slow path out of line (a synchronous refusal, or with a `max_wait` the `.await` of a small boxed wait); the guard (a bulkhead's permits) is a binding of the `match` arm around the `.await`. |
//! | loop | retry | a `loop` in the function's own coroutine: a `match` on each attempt's result; only on `Err`, one out-of-line call decides between sleeping and stopping |
//! | attempts | hedge, and timeout as its one-attempt case | a future from the runtime around what is inside, because they need a timer: hedge takes a closure that makes each attempt, timeout takes the one attempt |
//!
//! A rate limit decided on a remote backend (`#[rate_limit(backend = "redis")]`) is still
//! an admission, but not a synchronous one: the decision is a round trip, so the expansion
//! awaits `RemoteRateLimitSite::admit` (the backend's boxed future) before what is inside,
//! and keeps nothing across the call. The local path does not change.
//!
//! For `#[retry] #[circuit_breaker(name = "db")] #[timeout("1s")]` the body becomes, in
//! outline:
//!
//! ```text
//! let mut span = CallSpan::new();              // a null pointer until an event needs it
//! span.start(&TIMELINE, FN, impl_type);        // one load: is a timeline capture live?
//! let mut state = RETRY.start();               // the attempt counter
//! let result = loop {
//!     let result = {                           // admission: no future
//!         let permit = BREAKER.admit();
//!         if permit.admitted() {
//!             let r = TIMEOUT.run(&span, reject, async { body }).await;   // attempts
//!             permit.record(Outcome::of(&r));
//!             r
//!         } else {
//!             Err(reject(BREAKER.rejected(permit, &span)))
//!         }
//!     };
//!     match result {                           // loop
//!         Ok(v) => break Ok(v),
//!         Err(e) => match RETRY.on_error(&mut state, &span, e, &HOOKS, describe) {
//!             Break(e) => break Err(e),
//!             Continue(backoff) => backoff.await,
//!         },
//!     }
//! };
//! span.finish(&result);                        // the test the slot's drop makes
//! result
//! ```
//!
//! A call that can report one event at most (a lone breaker or timeout) keeps no span slot:
//! its event gets a span of its own.
//!
//! ## One folder per policy, the same files in each
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the module docs (When to use, Quick start, How it works, Configuration, Errors, Cancellation, Performance) and the re-exports |
//! | `config.rs` | the `XConfig` type (from `resile-config`) |
//! | `state.rs` | the tokio-free core: the state machine, with `now` passed in, so loom and proptest drive it |
//! | `site.rs` | the tokio-facing call: the call site the expansion keeps in a `static`, the plain value with `call(|| fut)`, its [`Policy`](crate::Policy) impl |
//! | `handle.rs` | the named instances: the [`NamedPolicy`](crate::kit::NamedPolicy) impl, the registry `static`, the operator handle (`resile::circuit_breaker(name)`) |
//!
//! The tower layers (cargo feature `tower`) are one folder of their own, `layer/`, one file per
//! policy, each a thin adapter over the policy's call site types: tower's readiness, `Clone`
//! and drop contracts on one side, the same instances, permits and events as the attribute's
//! on the other.
//!
//! A policy may add files of its own for parts of its core (`window.rs` for the breaker's
//! windows, `latency.rs` and `budget.rs` for hedging).
//!
//! ## What a new policy adds
//!
//! Copy the folder of the policy with the same call shape, then:
//! 1. `resile-config`: `src/<policy>.rs` with `XConfig`, its keys, defaults and rules.
//! 2. `runtime/src/<policy>/`: `mod.rs`, `config.rs`, `state.rs`, `site.rs`, `handle.rs`
//!    (a `NamedPolicy` impl makes it a named instance: registry, declaration rule, handle,
//!    `registry::names()`, `Handle::reset`, and `resile::testing`'s private instances and
//!    `reset_all`), plus its line in `runtime/src/lib.rs` and its re-exports in
//!    `__private.rs`; its `Rejection` variant and bridge trait if it refuses calls.
//! 3. `macros/src/attrs/<policy>.rs`: one type implementing the attribute trait (its key
//!    table, its cross-attribute rules, its expansion in its call shape), plus one line in
//!    the attribute list and one `#[proc_macro_attribute]` in `macros/src/lib.rs`.
//! 4. Tests: `runtime/tests/<policy>.rs` (paused clock, without macros), `tests/<policy>.rs`
//!    (through the attribute), a cancellation sweep, `ui-tests/fail/<policy>/` and
//!    `ui-tests/pass/<policy>/`, an expansion snapshot, and the bench probe's mode.
//! 5. With the cargo feature `tower`: `runtime/src/layer/<policy>.rs`, its layer over the
//!    same call site types the attribute uses (a [`Site`](crate::kit::Site) for a named
//!    instance, so that a layer and an attribute of one name share it), its row in the
//!    table of what each layer reserves in `poll_ready` and releases (the module docs of
//!    `resile::layer`), and its cases in `tests/layer.rs` and `tests/layer_alloc.rs`.
