//! `#[hedge(...)]`.

use crate::args::Arg;
use crate::diag::Errors;

pub(crate) struct HedgeArgs {}

pub(crate) fn parse(_args: Vec<Arg>, errors: &mut Errors) -> Option<HedgeArgs> {
    errors.at(proc_macro2::Span::call_site(), "`#[hedge]` is not available yet");
    None
}
