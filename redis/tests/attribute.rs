//! `#[rate_limit(backend = "redis")]` through the facade, with the process-wide install:
//! refused with `NoBackend` before `install`, then decided on Redis. Uses `REDIS_URL` when
//! set (`.ci/run` starts a server and sets it; an unreachable one fails the test), else a
//! private server.

mod common;

use std::time::{Duration, Instant};

use resile::Rejection;
use resile::redis::{Error, Options};

#[resile::rate_limit(name = "attr-api", rate = 10, burst_size = 3, backend = "redis")]
async fn limited() -> Result<u32, Rejection> {
    Ok(7)
}

#[resile::rate_limit(name = "attr-wait", rate = 100, burst_size = 1, max_wait = "50ms", backend = "redis")]
async fn waits() -> Result<u32, Rejection> {
    Ok(8)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_install_refused_then_decided_on_redis() {
    // Before `install`: a clear refusal, never a silent local limit.
    let refused = limited().await.unwrap_err();
    assert_eq!(refused, Rejection::NoBackend { name: "attr-api", backend: "redis" });
    assert!(refused.to_string().contains("resile::redis::install"), "{refused}");
    assert!(matches!(resile::redis::share_breaker("db"), Err(Error::NotInstalled)));

    let private;
    let url = match std::env::var("REDIS_URL") {
        Ok(url) => url,
        Err(_) => {
            private = common::Server::start();
            private.url()
        }
    };
    // A prefix of this run's own, so that a shared server's earlier runs do not count.
    let prefix = format!("attr-{}", std::process::id());
    resile::redis::install(&url, Options::default().key_prefix(prefix).timeout(common::LOADED))
        .await
        .unwrap_or_else(|e| panic!("cannot install the Redis backend on {url}: {e}"));
    assert!(matches!(resile::redis::install(&url, Options::default()).await, Err(Error::AlreadyInstalled)));

    for _ in 0..3 {
        assert_eq!(limited().await, Ok(7));
    }
    match limited().await {
        Err(Rejection::RateLimited { name: "attr-api", retry_after }) => {
            assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_millis(100), "{retry_after:?}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(resile::redis::installed().unwrap().is_available());

    // `max_wait`: the second call waits for its token (10 ms at 100 per second).
    assert_eq!(waits().await, Ok(8));
    let started = Instant::now();
    assert_eq!(waits().await, Ok(8));
    assert!(started.elapsed() >= Duration::from_millis(5), "{:?}", started.elapsed());
}
