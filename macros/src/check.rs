//! Rules across the attributes stacked on one function, one named function per rule
//! (serde's `check.rs` style), separate from parsing. Rules across the keys of one
//! attribute live in `resile-config`, with the configuration they judge; the one exception,
//! a retry `budget` shorter than its first sleep, sits here with the deadline rule whose
//! arithmetic (the shortest jittered first sleep) it shares.
//!
//! Warnings (`lints.rs`) are judged here too: [`warnings`] lists those the stack deserves.

use resile_config::duration::display;

use crate::attrs::Layer;
use crate::attrs::retry::Retry;
use crate::attrs::timeout::Timeout;
use crate::diag::{Errors, code};
use crate::lints::{Lint, Warning};

/// Every rule across the attributes stacked on one function.
pub(crate) fn stacking(layers: &[Layer], errors: &mut Errors) {
    one_crate_path(layers, errors);
    no_nested_reruns(layers, errors);
    no_adjacent_timeouts(layers, errors);
    no_single_flight_under_reruns(layers, errors);
    fallback_above_what_acts_on_errors(layers, errors);
    no_instance_twice(layers, errors);
    no_deadline_before_first_retry(layers, errors);
    no_budget_before_first_retry(layers, errors);
}

/// Every warning about the stack, but those its attributes `allow`.
pub(crate) fn warnings(layers: &[Layer]) -> Vec<Warning> {
    let mut warnings = Vec::new();
    retry_into_admission(layers, &mut warnings);
    chaos_lints(layers, &mut warnings);
    warnings
}

/// `#[fallback]` listed below an attribute that acts on errors or rejects calls: a retry
/// would never retry, a breaker never record a failure, a hedge never move on from a
/// failed attempt, and the rejections of a breaker, bulkhead or rate limiter would not
/// reach the fallback. Below `#[timeout]` or `#[single_flight]` it is fine: the deadline
/// bounds the body and the fallback together, and the callers share the fallback's result.
fn fallback_above_what_acts_on_errors(layers: &[Layer], errors: &mut Errors) {
    for (i, layer) in layers.iter().enumerate() {
        if layer.name != "fallback" {
            continue;
        }
        for above in &layers[..i] {
            let why = match above.name {
                "retry" => {
                    "turns every error into the fallback's result before `#[retry]` sees it, so it would never retry"
                }
                "circuit_breaker" => {
                    "turns every error into the fallback's result before `#[circuit_breaker]` sees it, so the breaker \
                     would never open, and its `CircuitOpen` rejection would not reach the fallback"
                }
                "hedge" => {
                    "turns every error into the fallback's result before `#[hedge]` sees it, so a failed attempt would \
                     never start the next one, and the fallback would run once per attempt"
                }
                "bulkhead" => {
                    "never sees the `BulkheadFull` rejection of `#[bulkhead]`, which comes before the call reaches it"
                }
                "rate_limit" => {
                    "never sees the `RateLimited` rejection of `#[rate_limit]`, which comes before the call reaches it"
                }
                _ => continue,
            };
            errors.spanned(
                &layer.blame,
                format!("`#[fallback]` below `#[{}]` {why}: list `#[fallback]` first (outermost)", above.name),
            );
            break;
        }
    }
}

/// `#[timeout(d)]` above `#[retry]` whose first retry sleeps at least `d` (no jitter, or
/// a jitter whose shortest sleep is `d` or more): the deadline passes before any retry
/// starts, as the first attempt takes some time too.
fn no_deadline_before_first_retry(layers: &[Layer], errors: &mut Errors) {
    for (i, layer) in layers.iter().enumerate() {
        let Some(retry) = layer.get::<Retry>() else { continue };
        let Some(first) = retry.first_sleep() else { continue };
        for timeout in layers[..i].iter().filter_map(Layer::get::<Timeout>) {
            let (after, value) = timeout.after();
            if after <= first.min {
                let (d, min) = (display(after), display(first.min));
                errors.spanned(
                    &value,
                    format!(
                        "`#[timeout]` above `#[retry]` ends the call after {d}, before any retry can start: the first \
                         retry {} ({}); make the timeout longer than {min} plus the first attempt, \
                         shorten the retry's delay, or list `#[timeout]` below `#[retry]` to bound each attempt",
                        first.sleeps(),
                        first.why
                    ),
                );
            }
        }
    }
}

/// A retry `budget` shorter than the first retry's sleep: no retry starts a sleep that
/// would end past the budget, so none ever starts. (A budget equal to it still lets a
/// retry start after a first attempt that took no time.)
fn no_budget_before_first_retry(layers: &[Layer], errors: &mut Errors) {
    for layer in layers {
        let Some(retry) = layer.get::<Retry>() else { continue };
        let (Some(first), Some((budget, value))) = (retry.first_sleep(), retry.budget()) else { continue };
        if budget < first.min {
            let (b, min) = (display(budget), display(first.min));
            errors.spanned(
                &value,
                format!(
                    "`budget` is {b}, and the first retry {} ({}): no retry could ever start; \
                     make `budget` longer than {min} plus the first attempt, or shorten the retry's delay",
                    first.sleeps(),
                    first.why
                ),
            );
        }
    }
}

/// `#[retry]` above `#[circuit_breaker]` or `#[rate_limit]` with neither `retry_if` nor
/// `retry_after`: it retries their rejections like any error, so its attempts run into the
/// open breaker (each one rejected at once, its delay wasted) or the empty bucket.
fn retry_into_admission(layers: &[Layer], warnings: &mut Vec<Warning>) {
    for (i, layer) in layers.iter().enumerate() {
        if layer.name != "retry" || layer.has_key("retry_if") || layer.has_key("retry_after") {
            continue;
        }
        // `max = 1` retries nothing.
        if layer.get::<Retry>().is_some_and(|retry| !retry.retries()) {
            continue;
        }
        let lints = [
            (
                Lint::RetryIntoOpenBreaker,
                "circuit_breaker",
                "`#[retry]` above `#[circuit_breaker]` retries its `CircuitOpen` rejections, so while the \
                 breaker is open every retry is rejected at once: list `#[circuit_breaker]` above `#[retry]`, \
                 add `retry_after` or a `retry_if` that is false for `Rejection::CircuitOpen`",
            ),
            (
                Lint::RetryIntoRateLimit,
                "rate_limit",
                "`#[retry]` above `#[rate_limit]` retries its `RateLimited` rejections on its own backoff, \
                 so its retries run into the empty bucket: list `#[rate_limit]` above `#[retry]`, add \
                 `retry_after` (to wait as long as the limiter says) or a `retry_if` that is false for \
                 `Rejection::RateLimited`",
            ),
        ];
        for (lint, below, message) in lints {
            if layer.allow.contains(&lint) || !layers[i + 1..].iter().any(|l| l.name == below) {
                continue;
            }
            warnings.push(Warning { lint, span: layer.name_span, message: message.to_owned() });
        }
    }
}

/// `#[chaos]` that makes calls hang with nothing above it to cut them
/// ([`Lint::ChaosHangWithoutTimeout`]), and `#[chaos]` above a policy, whose faults the
/// policy then never sees ([`Lint::ChaosAbovePolicy`]).
fn chaos_lints(layers: &[Layer], warnings: &mut Vec<Warning>) {
    for (i, layer) in layers.iter().enumerate() {
        let Some(chaos) = layer.get::<crate::attrs::chaos::Chaos>() else { continue };
        let above = &layers[..i];
        let cut_above = above.iter().any(|l| l.name == "timeout" || (l.name == "hedge" && l.has_key("timeout")));
        if chaos.may_hang() && !cut_above && !layer.allow.contains(&Lint::ChaosHangWithoutTimeout) {
            warnings.push(Warning {
                lint: Lint::ChaosHangWithoutTimeout,
                span: layer.name_span,
                message: "`hang_rate` makes calls never complete, and no `#[timeout]` above this `#[chaos]` cuts \
                          them, so a hung call waits until its caller gives up: list a `#[timeout]` above it"
                    .to_owned(),
            });
        }
        let policies: Vec<&str> = layers[i + 1..].iter().map(|l| l.name).filter(|n| *n != "chaos").collect();
        if let Some(first) = policies.first()
            && !layer.allow.contains(&Lint::ChaosAbovePolicy)
        {
            warnings.push(Warning {
                lint: Lint::ChaosAbovePolicy,
                span: layer.name_span,
                message: format!(
                    "`#[chaos]` above `#[{first}]` injects its faults outside it, so `#[{first}]` never sees them and \
                     the stack is not tested: list `#[chaos]` last (innermost), where the downstream's faults arise"
                ),
            });
        }
    }
}

/// Two `#[bulkhead]`s (or two `#[rate_limit]`s) of one name on one function: each call takes
/// from the same instance twice, so a bulkhead's inner admission may wait for permits its
/// own outer admission holds, and a limiter counts each call twice.
fn no_instance_twice(layers: &[Layer], errors: &mut Errors) {
    for (i, layer) in layers.iter().enumerate() {
        let Some(name) = layer.attr.instance() else { continue };
        if layers[..i].iter().any(|earlier| earlier.name == layer.name && earlier.attr.instance() == Some(name)) {
            let n = layer.name;
            errors.spanned(
                &layer.blame,
                format!(
                    "duplicate `#[{n}(name = \"{name}\")]`: each call would take from `{name}` twice; keep one, \
                     or give the second another name"
                ),
            );
        }
    }
}

/// The attributes of one function expand together, so they must agree on `crate = "..."`.
fn one_crate_path(layers: &[Layer], errors: &mut Errors) {
    let mut paths = layers.iter().filter_map(|l| l.krate.as_ref().map(|p| (code(p), l)));
    if let Some((first, _)) = paths.next() {
        for (other, layer) in paths {
            if other != first {
                errors.spanned(
                    &layer.blame,
                    format!("conflicting `crate` paths on one function: `{first}` and `{other}`; give `crate` once"),
                );
            }
        }
    }
}

/// Two `#[retry]` (or `#[hedge]`: any attribute that runs the body again) on one function
/// multiply their attempts.
fn no_nested_reruns(layers: &[Layer], errors: &mut Errors) {
    for (i, layer) in layers.iter().enumerate() {
        let n = layer.name;
        if layer.attr.reruns_body() && layers[..i].iter().any(|earlier| earlier.name == n) {
            errors.spanned(
                &layer.blame,
                format!("duplicate `#[{n}]`: stacked `#[{n}]`s multiply their attempts; keep one"),
            );
        }
    }
}

/// Every rule between the attributes and the function's signature.
pub(crate) fn signature(layers: &[Layer], sig: &syn::Signature, errors: &mut Errors) {
    no_exclusive_borrow_under_hedge(layers, sig, errors);
    no_borrow_under_single_flight(layers, sig, errors);
    named_arguments_under_fallback(layers, sig, errors);
    keys_name_an_argument(layers, sig, errors);
}

/// `key = ..` picks an instance per call from the arguments: an expression over none of
/// them would put every call under one instance.
fn keys_name_an_argument(layers: &[Layer], sig: &syn::Signature, errors: &mut Errors) {
    for layer in layers {
        let Some(key) = layer.attr.key() else { continue };
        if let syn::Expr::Reference(r) = key {
            // The key is read by reference already; a `&` would ask for a `'static` borrow.
            errors.spanned(
                key,
                format!(
                    "`key` of `#[{}]` is read by reference already: write `key = {}`, without the `&`",
                    layer.name,
                    crate::diag::code(&r.expr)
                ),
            );
        } else if !crate::args::keyed::names_an_argument(key, sig) {
            errors.spanned(
                key,
                format!(
                    "`key` of `#[{}]` names no argument of the function, so every call would share one instance; write an expression over the arguments, e.g. `key = host` or `key = request.tenant_id`, or remove `key` for one instance per name{}",
                    layer.name,
                    closest_argument(key, sig).map(|a| format!("; did you mean `{a}`?")).unwrap_or_default()
                ),
            );
        }
    }
}

/// For a key written as one name (`key = tenant_id`), the function's argument closest to it.
fn closest_argument(key: &syn::Expr, sig: &syn::Signature) -> Option<String> {
    let syn::Expr::Path(p) = key else { return None };
    let written = p.path.get_ident()?.to_string();
    crate::args::keyed::argument_names(sig)
        .into_iter()
        .map(|a| (strsim::jaro_winkler(&written, &a), a))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, a)| a)
}

/// `#[fallback]` passes the arguments on by name, so a pattern (`(a, b): (u32, u32)`,
/// `_: u64`) cannot be passed.
fn named_arguments_under_fallback(layers: &[Layer], sig: &syn::Signature, errors: &mut Errors) {
    if !layers.iter().any(|l| l.name == "fallback") {
        return;
    }
    for input in &sig.inputs {
        if let syn::FnArg::Typed(pt) = input
            && !matches!(&*pt.pat, syn::Pat::Ident(id) if id.subpat.is_none() && id.by_ref.is_none())
        {
            let pat = &pt.pat;
            errors.spanned(
                pat,
                format!(
                    "`#[fallback]` passes the arguments on to the fallback by name, and `{}` has none: name it (`arg: {}`) and destructure it in the body",
                    code(pat),
                    code(&pt.ty)
                ),
            );
        }
    }
}

/// `#[hedge]` runs its attempts at the same time, each with its own copy of the arguments:
/// a `&mut` receiver or argument cannot be in two attempts at once (the borrow checker
/// would say only that a captured variable escapes an `FnMut` closure).
fn no_exclusive_borrow_under_hedge(layers: &[Layer], sig: &syn::Signature, errors: &mut Errors) {
    if !layers.iter().any(|l| l.name == "hedge") {
        return;
    }
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) if exclusive_receiver(r) => {
                let tokens = quote::quote!(#r);
                errors.spanned(
                    &tokens,
                    "`#[hedge]` runs its attempts at the same time, so they cannot share `&mut self`: \
                     take `&self` (keeping the state that changes behind a `Mutex` or an atomic), or use \
                     `#[retry]`, which runs one attempt at a time",
                );
            }
            syn::FnArg::Typed(pt) if matches!(&*pt.ty, syn::Type::Reference(r) if r.mutability.is_some()) => {
                let ty = &pt.ty;
                errors.spanned(
                    ty,
                    format!(
                        "`#[hedge]` runs its attempts at the same time, so they cannot share `{}`: take a \
                         shared reference (keeping the state that changes behind a `Mutex` or an atomic), \
                         or use `#[retry]`, which runs one attempt at a time",
                        code(ty)
                    ),
                );
            }
            _ => {}
        }
    }
}

/// `&mut self`, or `self: &mut Self`.
fn exclusive_receiver(r: &syn::Receiver) -> bool {
    match &r.kind {
        syn::ReceiverKind::Reference(_, _, mutability) => mutability.is_some(),
        syn::ReceiverKind::Typed(_, ty) => matches!(&**ty, syn::Type::Reference(t) if t.mutability.is_some()),
        _ => false,
    }
}

/// `#[timeout(a)] #[timeout(b)]` with nothing between: only the shorter one can fire.
fn no_adjacent_timeouts(layers: &[Layer], errors: &mut Errors) {
    for pair in layers.windows(2) {
        if pair[0].name == "timeout" && pair[1].name == "timeout" {
            errors.spanned(
                &pair[1].blame,
                "duplicate `#[timeout]`: with nothing between them only the shorter can fire; keep one, or put a `#[retry]` between them to bound each attempt and the whole call",
            );
        }
    }
}

/// `#[single_flight]` inside `#[retry]` or `#[hedge]` would start or join a shared
/// execution per attempt, moving the arguments into the first attempt's; outside, it shares
/// the whole retried call, which is what a cache stampede guard wants.
fn no_single_flight_under_reruns(layers: &[Layer], errors: &mut Errors) {
    for (i, layer) in layers.iter().enumerate() {
        if layer.name != "single_flight" {
            continue;
        }
        if let Some(outer) = layers[..i].iter().find(|l| l.attr.reruns_body()) {
            let o = outer.name;
            errors.spanned(
                &layer.blame,
                format!(
                    "`#[single_flight]` below `#[{o}]` would share each attempt rather than the call, and the first \
                     attempt takes the arguments; put `#[single_flight]` above `#[{o}]` to share the whole call"
                ),
            );
        }
    }
}

/// The execution `#[single_flight]` shares outlives the caller that started it (the others
/// keep it going), so the body cannot borrow that caller's arguments.
fn no_borrow_under_single_flight(layers: &[Layer], sig: &syn::Signature, errors: &mut Errors) {
    if !layers.iter().any(|l| l.name == "single_flight") {
        return;
    }
    const WHY: &str = "`#[single_flight]` shares one execution among the callers and lets it finish after the \
                       caller that started it is gone, so the body cannot borrow";
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) if borrowed_receiver(r) => {
                let tokens = quote::quote!(#r);
                errors.spanned(
                    &tokens,
                    format!(
                        "{WHY} `{}`: take `self: Arc<Self>` (callers clone the `Arc`), or make it an associated \
                         fn that takes the owned data it needs",
                        code(&tokens)
                    ),
                );
            }
            syn::FnArg::Typed(pt) if borrows(&pt.ty) => {
                let ty = &pt.ty;
                errors.spanned(
                    ty,
                    format!(
                        "{WHY} `{}`: take the argument by value (an owned `String`, an `Arc<..>`, an id), or as `&'static`",
                        code(ty)
                    ),
                );
            }
            _ => {}
        }
    }
}

/// `&self`, `&mut self`, or `self: T` where `T` holds a borrow.
fn borrowed_receiver(r: &syn::Receiver) -> bool {
    match &r.kind {
        syn::ReceiverKind::Reference(..) => true,
        syn::ReceiverKind::Typed(_, ty) => borrows(ty),
        _ => false,
    }
}

/// Whether `ty` holds a borrow: a reference or a lifetime other than `'static`.
fn borrows(ty: &syn::Type) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_type_reference(&mut self, r: &'a syn::TypeReference) {
            if r.lifetime.as_ref().is_none_or(|l| l.ident != "static") {
                self.0 = true;
            }
            syn::visit::visit_type_reference(self, r);
        }
        fn visit_lifetime(&mut self, l: &'a syn::Lifetime) {
            if l.ident != "static" {
                self.0 = true;
            }
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

#[cfg(test)]
mod tests {
    /// What the pipeline makes of `attrs` on a plain function: its expansion as text.
    fn expand(attrs: &str) -> String {
        let source = format!("{attrs}\nasync fn f(id: u64) -> Result<u64, E> {{ Ok(id) }}");
        let mut func: syn::ItemFn = syn::parse_str(&source).expect("case parses");
        let leader = func.attrs.remove(0);
        let name = leader.path().segments.last().expect("a name").ident.to_string();
        let args = match &leader.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => proc_macro2::TokenStream::new(),
        };
        crate::pipeline::expand(&name, args, quote::ToTokens::to_token_stream(&func)).to_string()
    }

    fn errors(attrs: &str) -> bool {
        expand(attrs).contains("compile_error")
    }

    fn warns(attrs: &str, lint: &str) -> bool {
        let out = expand(attrs);
        out.contains("deprecated") && out.contains(&format!("fn {lint}"))
    }

    #[test]
    fn a_deadline_before_the_first_retry_is_an_error() {
        let no_retry = [
            r#"#[resile::timeout("100ms")] #[resile::retry(base_delay = "100ms", jitter = "none")]"#,
            r#"#[resile::timeout("50ms")] #[resile::retry(base_delay = "100ms", jitter = "equal")]"#,
            r#"#[resile::timeout("80ms")] #[resile::retry(base_delay = "100ms", jitter = 0.2)]"#,
            r#"#[resile::timeout("100ms")] #[resile::retry(base_delay = "100ms", jitter = "decorrelated")]"#,
            r#"#[resile::timeout("1s")] #[resile::bulkhead(name = "p", max_concurrent = 1)] #[resile::retry(backoff = ["1s"], jitter = "none")]"#,
            r#"#[resile::retry(base_delay = "100ms", jitter = "none", budget = "99ms")]"#,
            r#"#[resile::retry(backoff = ["2s", "1s"], jitter = "equal", budget = "999ms")]"#,
        ];
        for stack in no_retry {
            assert!(errors(stack), "{stack}");
        }
        let fine = [
            r#"#[resile::timeout("101ms")] #[resile::retry(base_delay = "100ms", jitter = "none")]"#,
            r#"#[resile::retry(base_delay = "100ms", jitter = "none", budget = "100ms")]"#,
            r#"#[resile::timeout("51ms")] #[resile::retry(base_delay = "100ms", jitter = "equal")]"#,
            r#"#[resile::timeout("99ms")] #[resile::retry(base_delay = "100ms", jitter = "equal")]"#,
            r#"#[resile::timeout("10ms")] #[resile::retry(base_delay = "100ms")]"#,
            r#"#[resile::timeout("10ms")] #[resile::retry(base_delay = "100ms", jitter = 1.0)]"#,
            r#"#[resile::timeout("10ms")] #[resile::retry(max = 1, base_delay = "100ms", jitter = "none")]"#,
            r#"#[resile::retry(base_delay = "100ms", jitter = "none")] #[resile::timeout("10ms")]"#,
            r#"#[resile::timeout("10ms")] #[resile::retry(policy = P)]"#,
            r#"#[resile::retry(base_delay = "100ms", jitter = "none", budget = "101ms")]"#,
            r#"#[resile::retry(base_delay = "100ms", budget = "1ms")]"#,
        ];
        for stack in fine {
            assert!(!errors(stack), "{stack}");
        }
    }

    #[test]
    fn a_retry_into_a_breaker_or_a_limiter_warns_unless_allowed_or_filtered() {
        let breaker = r#"#[resile::circuit_breaker(name = "db")]"#;
        let limiter = r#"#[resile::rate_limit(name = "api", rate = 10)]"#;
        let open = "retry_into_open_breaker";
        let bucket = "retry_into_rate_limit";
        assert!(warns(&format!("#[resile::retry] {breaker}"), open));
        assert!(warns(&format!("#[resile::retry] #[resile::timeout(\"1s\")] {breaker}"), open));
        assert!(warns(&format!("#[resile::timeout(\"1s\")] #[resile::retry] {limiter}"), bucket));
        assert!(!warns(&format!("#[resile::retry] {breaker}"), bucket));
        assert!(!warns(&format!("#[resile::retry(retry_if = ok)] {breaker} {limiter}"), open));
        assert!(!warns(&format!("#[resile::retry(retry_if = ok)] {breaker} {limiter}"), bucket));
        assert!(!warns(&format!("{breaker} #[resile::retry]"), open));
        assert!(!warns(&format!("{limiter} #[resile::retry]"), bucket));
        let allowed = format!("#[resile::retry(allow = \"{open}\")] {breaker} {limiter}");
        assert!(!warns(&allowed, open));
        assert!(warns(&allowed, bucket));
        assert!(!warns(&format!("#[resile::retry(allow = [\"{open}\", \"{bucket}\"])] {breaker} {limiter}"), bucket));
        assert!(!errors(&allowed));
        // `max = 1` retries nothing: nothing to warn about.
        assert!(!warns(&format!("#[resile::retry(max = 1)] {breaker} {limiter}"), open));
        assert!(!warns(&format!("#[resile::retry(max = 1)] {breaker} {limiter}"), bucket));
    }

    #[test]
    fn a_fallback_below_what_acts_on_errors_is_an_error() {
        for above in [
            "#[resile::retry]",
            r#"#[resile::circuit_breaker(name = "db")]"#,
            r#"#[resile::hedge(delay = "10ms")]"#,
            r#"#[resile::bulkhead(name = "p", max_concurrent = 1)]"#,
            r#"#[resile::rate_limit(name = "api", rate = 10)]"#,
        ] {
            assert!(errors(&format!("{above} #[resile::timeout(\"1s\")] #[resile::fallback(g)]")), "{above}");
            assert!(!errors(&format!("#[resile::fallback(g)] {above}")), "{above}");
        }
        assert!(!errors(r#"#[resile::timeout("1s")] #[resile::fallback(g)]"#));
        assert!(!errors(r#"#[resile::single_flight(key = id)] #[resile::fallback(g)]"#));
        assert!(!errors(r#"#[resile::fallback(g)] #[resile::fallback(g)]"#));
    }
}
