//! Generated code is lint-clean: every attribute, in every shape, under `deny(warnings)` and
//! clippy's pedantic group (checked by `cargo clippy --all-targets -- -D warnings` in CI).

#![deny(warnings, rust_2018_idioms, unused_qualifications, clippy::all, clippy::pedantic)]
#![allow(clippy::unused_async)]

use std::time::Duration;

use resile::Rejection;

#[derive(Debug, PartialEq, Eq)]
enum Error {
    Transient,
    Rejected(Rejection),
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

fn is_transient(e: &Error) -> bool {
    *e == Error::Transient
}

fn log_retry(attempt: u32, delay: Duration, error: &Error) {
    let _ = (attempt, delay, error);
}

#[resile::retry(
    max = 4,
    backoff = "exp",
    base_delay = "10ms",
    max_delay = "1s",
    multiplier = 3.0,
    jitter = 0.2,
    budget = "5s",
    retry_if = is_transient,
    on_retry = log_retry,
    retry_budget = "lint"
)]
#[resile::timeout("100ms")]
async fn everything(id: u64, name: &str) -> Result<u64, Error> {
    let len = u64::try_from(name.len()).map_err(|_| Error::Transient)?;
    if id == 0 {
        return Err(Error::Transient);
    }
    Ok(id + len)
}

#[resile::timeout(after = "1s")]
#[resile::retry(backoff = [10, 20])]
async fn list_backoff() -> Result<(), Error> {
    Ok(())
}

struct Repo {
    hits: u32,
}

impl Repo {
    #[resile::retry(max = 2, jitter = "none")]
    async fn bump(&mut self) -> Result<u32, Error> {
        self.hits += 1;
        Ok(self.hits)
    }
}

#[tokio::test(start_paused = true)]
async fn lint_clean_expansions_run() {
    assert_eq!(everything(1, "ab").await, Ok(3));
    assert_eq!(list_backoff().await, Ok(()));
    let mut repo = Repo { hits: 0 };
    assert_eq!(repo.bump().await, Ok(1));
}
