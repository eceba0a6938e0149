//! `#[timeout("250ms")]` / `#[timeout(after = "250ms")]`: its one key
//! (`resile_config::TimeoutConfig`'s `after`), and its expansion, the runtime's timeout
//! future around what is inside it.

use proc_macro2::Span;
use quote::{format_ident, quote};
use resile_config::TimeoutConfig;
use syn::spanned::Spanned;

use super::Attribute;
use crate::args::Arg;
use crate::args::declared::Declared;
use crate::codegen::{Cx, Inner};
use crate::diag::{Errors, unknown_key};
use crate::shapes::{self, Attempts};

pub(crate) struct Timeout {
    config: Declared<TimeoutConfig>,
}

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut config = Declared::new(TimeoutConfig::new(std::time::Duration::ZERO));
    let before = errors.len();
    for arg in args {
        match &arg {
            // `#[timeout("250ms")]` is `after`, with the value standing for the key.
            Arg::Positional(value) => config.take(&syn::Ident::new("after", value.span()), value, errors),
            Arg::Named { key, value } if key == "after" => config.take(key, value, errors),
            Arg::Named { key, .. } => errors.push(unknown_key(key, "timeout", TimeoutConfig::ARGUMENTS)),
        }
    }
    if config.is_empty() {
        if errors.len() == before {
            errors.at(span, "`#[timeout]` needs a duration, e.g. `#[timeout(\"250ms\")]`");
        }
        return None;
    }
    config.check(span, errors);
    (errors.len() == before).then(|| Box::new(Timeout { config }) as Box<dyn Attribute>)
}

impl Timeout {
    /// Its duration, and the tokens of the value written for it.
    pub(crate) fn after(&self) -> (std::time::Duration, proc_macro2::TokenStream) {
        let tokens = self.config.value_of("after").cloned().unwrap_or_default();
        (self.config.config.after, tokens)
    }
}

impl Attribute for Timeout {
    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_TIMEOUT_{}", index);
        let after = crate::codegen::duration(self.config.config.after);
        cx.items.extend(quote! {
            static #site: __resile_private::TimeoutSite =
                __resile_private::TimeoutSite::new(__RESILE_FN, __resile_private::TimeoutConfig::new(#after));
        });
        let (reject, span, impl_type) = (cx.reject("timeout"), cx.span(), cx.impl_type());
        shapes::attempts(
            Attempts::One,
            inner,
            cx.body_span,
            |attempt| quote!(#site.run(#span, #impl_type, #reject, #attempt)),
        )
    }
}
