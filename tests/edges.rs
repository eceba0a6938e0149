//! Edges found by trying to break the first round: a call site at a reused address inside
//! `isolated`, and the impl types telemetry names.

use resile::testing;
use resile::{Hedge, HedgeConfig, Rejection};

#[derive(Debug, PartialEq)]
enum Error {
    Down,
    Rejected(Rejection),
}
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

/// Inside a scope, a plain `Hedge` value whose `Site` lands at the address of an earlier,
/// dropped one with the same name reuses the earlier resolution: its declaration is never
/// applied (outside a scope, the first declaration puts its settings in force).
#[tokio::test(start_paused = true)]
async fn a_declaration_at_a_reused_address_is_applied_in_a_scope() {
    testing::isolated(async {
        // First: refers to `r13_reuse` (no tracker keys): created with the defaults.
        let first = Box::new(Hedge::<Error>::new(HedgeConfig::new()).name("r13_reuse"));
        let addr1 = &*first as *const _ as usize;
        assert_eq!(first.call(|| async { Ok::<_, Error>(1) }).await, Ok(1));
        drop(first);
        // Second: declares `r13_reuse` with a percentile (adaptive mode).
        let second = Box::new(Hedge::<Error>::new(HedgeConfig::new().percentile(90.0)).name("r13_reuse"));
        let addr2 = &*second as *const _ as usize;
        assert_eq!(addr1, addr2, "inconclusive: the allocator did not reuse the address");
        assert_eq!(second.call(|| async { Ok::<_, Error>(2) }).await, Ok(2));
        let percentile = resile::hedge_tracker("r13_reuse").config().unwrap().percentile;
        assert_eq!(percentile, Some(90.0), "the declaration of the second site was never applied");
    })
    .await;
}

/// The same sequence outside any scope, for comparison: the declaration is applied.
#[tokio::test(start_paused = true)]
async fn the_same_sequence_outside_a_scope_applies_the_declaration() {
    let first = Box::new(Hedge::<Error>::new(HedgeConfig::new()).name("r13_reuse_global"));
    assert_eq!(first.call(|| async { Ok::<_, Error>(1) }).await, Ok(1));
    drop(first);
    let second = Box::new(Hedge::<Error>::new(HedgeConfig::new().percentile(90.0)).name("r13_reuse_global"));
    assert_eq!(second.call(|| async { Ok::<_, Error>(2) }).await, Ok(2));
    assert_eq!(resile::hedge_tracker("r13_reuse_global").config().unwrap().percentile, Some(90.0));
}

// ---- telemetry names -------------------------------------------------------------------------

mod repo {
    pub struct Repo<T>(pub T);
    pub struct Plain;
}

trait Get {
    async fn get(&self) -> Result<u32, Error>;
}

impl<T: Sync> Get for Box<T> {
    #[resile::retry(max = 2, backoff = "constant", base_delay = "1ms", jitter = "none")]
    async fn get(&self) -> Result<u32, Error> {
        Err(Error::Down)
    }
}

impl Get for &'static repo::Plain {
    #[resile::retry(max = 2, backoff = "constant", base_delay = "1ms", jitter = "none")]
    async fn get(&self) -> Result<u32, Error> {
        Err(Error::Down)
    }
}

impl repo::Repo<Vec<Option<repo::Plain>>> {
    #[resile::retry(max = 2, backoff = "constant", base_delay = "1ms", jitter = "none")]
    async fn nested(&self) -> Result<u32, Error> {
        Err(Error::Down)
    }
}

#[tokio::test(start_paused = true)]
async fn function_names_of_odd_impl_types() {
    static PLAIN: repo::Plain = repo::Plain;
    let ((), events) = testing::record(async {
        let _ = Box::new(1u8).get().await;
        let _ = (&PLAIN).get().await;
        let _ = repo::Repo(vec![Some(repo::Plain)]).nested().await;
    })
    .await;
    let names: Vec<String> =
        events.iter().filter(|e| e.kind == "retry").map(|e| e.function.unwrap().to_string()).collect();
    // The impl type without module path or generic arguments, behind a reference too.
    assert_eq!(names, ["Box::get", "Plain::get", "Repo::nested"]);
}

// ---- backoff docs ------------------------------------------------------------------------------

// ---- errors in logs: the whole chain -----------------------------------------------------

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection refused")
    }
}

impl std::error::Error for Refused {}

#[derive(Debug)]
struct LoadFailed(Refused);

impl std::fmt::Display for LoadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("loading order 5")
    }
}

impl std::error::Error for LoadFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[resile::retry(max = 2, backoff = "constant", base_delay = "1ms", jitter = "none")]
async fn load_with_source() -> Result<u32, LoadFailed> {
    Err(LoadFailed(Refused))
}

#[resile::retry(max = 2, backoff = "constant", base_delay = "1ms", jitter = "none")]
async fn load_with_context() -> anyhow::Result<u32> {
    Err(anyhow::Error::new(Refused).context("loading order 5"))
}

#[tokio::test(start_paused = true)]
async fn an_error_is_logged_with_its_sources_down_to_the_root_cause() {
    let ((), events) = testing::record(async {
        assert!(load_with_source().await.is_err());
        assert!(load_with_context().await.is_err());
    })
    .await;
    let shown: Vec<(&str, Option<&str>)> = events.iter().map(|e| (e.kind, e.detail.as_deref())).collect();
    let chain = Some("loading order 5: connection refused");
    assert_eq!(shown, [("retry", chain), ("retries_exhausted", chain), ("retry", chain), ("retries_exhausted", chain)]);
}

// ---- jitter in tests: repeatable with a seed ---------------------------------------------

#[resile::retry(max = 4, base_delay = "100ms")]
async fn jittered() -> Result<u32, LoadFailed> {
    Err(LoadFailed(Refused))
}

/// The delays of one call of `jittered` (full jitter, the default), on a paused clock.
async fn delays_after_seed(seed: u64) -> Vec<std::time::Duration> {
    testing::seed_jitter(seed);
    let ((), events) = testing::record(async {
        assert!(jittered().await.is_err());
    })
    .await;
    events.iter().filter_map(|e| e.delay).collect()
}

#[tokio::test(start_paused = true)]
async fn a_seeded_test_draws_the_same_jitter_in_every_run() {
    let first = delays_after_seed(7).await;
    assert_eq!(first.len(), 3);
    assert_eq!(delays_after_seed(7).await, first);
    assert_ne!(delays_after_seed(8).await, first, "another seed draws other delays");
}
