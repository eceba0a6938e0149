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
