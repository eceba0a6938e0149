//! Classifying results: [`Outcome`] of a call as a policy records it, and the breaker
//! [`State`]s that outcomes drive.

/// How a policy records the result of a call.
///
/// `#[circuit_breaker(should_record = f)]` maps each `Result` to one of these; by default
/// `Ok` is a success and `Err` a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Counts as a success.
    Success,
    /// Counts as a failure.
    Failure,
    /// Not recorded at all (e.g. a client error that says nothing about the callee's health).
    Ignore,
}

impl Outcome {
    /// The default classification: `Ok` is a success, `Err` a failure.
    #[inline]
    pub fn of<T, E>(result: &Result<T, E>) -> Outcome {
        if result.is_ok() { Outcome::Success } else { Outcome::Failure }
    }
}

/// The state of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Calls pass and their outcomes are recorded.
    Closed,
    /// Calls are rejected with `Rejection::CircuitOpen` until `open_timeout` passes.
    Open,
    /// A limited number of probe calls pass; their outcomes decide between closed and open.
    HalfOpen,
    /// Set by an operator: every call is rejected until `force_close()` or `reset()`.
    ForcedOpen,
    /// Set by an operator: every call passes and nothing is recorded until `force_close()`
    /// or `reset()`.
    Disabled,
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
            State::ForcedOpen => "forced_open",
            State::Disabled => "disabled",
        })
    }
}
