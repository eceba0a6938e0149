//! `#[circuit_breaker(...)]`.

use proc_macro2::Span;

use crate::args::Arg;
use crate::diag::Errors;

pub(crate) struct CircuitBreakerArgs {}

pub(crate) fn parse(_args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<CircuitBreakerArgs> {
    errors.at(span, "`#[circuit_breaker]` is not available yet");
    None
}
