//! `#[timeout("250ms")]` / `#[timeout(after = "250ms")]`.

use std::time::Duration;

use proc_macro2::Span;
use syn::spanned::Spanned;

use crate::args::values::{self, Zero};
use crate::args::{Arg, Slot};
use crate::diag::{Errors, unknown_key};

pub(crate) const KEYS: &[&str] = &["after"];

pub(crate) struct TimeoutArgs {
    pub(crate) after: Duration,
}

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<TimeoutArgs> {
    let mut after = Slot::new("after");
    let mut failed = false;
    for arg in args {
        let (key_span, value) = match &arg {
            Arg::Positional(value) => (value.span(), value),
            Arg::Named { key, value } if key == "after" => (key.span(), value),
            Arg::Named { key, .. } => {
                errors.push(unknown_key(key, "timeout", KEYS));
                failed = true;
                continue;
            }
        };
        match values::duration(value, "after", Zero::Rejected) {
            Ok(d) => after.set(errors, key_span, d, value.span()),
            Err(e) => {
                errors.push(e);
                failed = true;
            }
        }
    }
    match after.get() {
        Some(d) if !failed => Some(TimeoutArgs { after: *d }),
        Some(_) => None,
        None => {
            if !failed {
                errors.at(span, "`#[timeout]` needs a duration, e.g. `#[timeout(\"250ms\")]`");
            }
            None
        }
    }
}
