//! Attribute macros of [resile](https://docs.rs/resile). Use them through the `resile`
//! crate (`#[resile::retry]`), whose docs show every argument; this crate only parses,
//! validates and expands into calls to `resile-runtime`.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

mod args;
mod attrs;
mod check;
mod codegen;
mod diag;
mod expand;
mod item;
mod lints;
mod moves;
mod pipeline;
mod shapes;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

/// Retries the function when it returns `Err`, with a backoff between attempts.
/// See `resile::retry` for the arguments.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("retry", args.into(), item.into()).into()
}

/// Bounds how long the function may take. See `resile::timeout`.
#[proc_macro_attribute]
pub fn timeout(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("timeout", args.into(), item.into()).into()
}

/// Guards the function with a named, shared circuit breaker. See `resile::circuit_breaker`.
#[proc_macro_attribute]
pub fn circuit_breaker(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("circuit_breaker", args.into(), item.into()).into()
}

/// Hedges the function: starts another attempt when one is slow. See `resile::hedge`.
#[proc_macro_attribute]
pub fn hedge(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("hedge", args.into(), item.into()).into()
}

/// Concurrent calls with equal keys share one execution. See `resile::single_flight`.
#[proc_macro_attribute]
pub fn single_flight(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("single_flight", args.into(), item.into()).into()
}

/// On `Err`, calls an async fn with the same arguments and the error, and returns its
/// result. See `resile::fallback`.
#[proc_macro_attribute]
pub fn fallback(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("fallback", args.into(), item.into()).into()
}

/// Limits how many calls of the function run at once, with a named, shared, weighted FIFO
/// bulkhead. See `resile::bulkhead`.
#[proc_macro_attribute]
pub fn bulkhead(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("bulkhead", args.into(), item.into()).into()
}

/// Limits the rate of calls of the function with a named, shared token bucket (GCRA). See
/// `resile::rate_limit`.
#[proc_macro_attribute]
pub fn rate_limit(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("rate_limit", args.into(), item.into()).into()
}

/// Injects faults (errors, hangs, latency) into the function's calls, seeded; expands to
/// nothing without the cargo feature `chaos`. See `resile::chaos`.
#[proc_macro_attribute]
pub fn chaos(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand("chaos", args.into(), item.into()).into()
}
