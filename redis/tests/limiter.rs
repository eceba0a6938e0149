//! The Redis-backed rate limit against a real `redis-server` (a private one per test, see
//! `common`): one budget shared exactly by two replicas, idle keys that expire, the script
//! surviving `SCRIPT FLUSH`, and each `Unavailable` choice while the server is down, then
//! Redis decisions again after it restarts.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{LOADED, Server};
use resile::rate_limit::RateLimitConfig;
use resile::redis::{Options, RedisBackend, RemoteDecision, RemoteRequest, Unavailable};

fn request(name: &'static str, config: RateLimitConfig) -> RemoteRequest {
    RemoteRequest::new(name, config)
}

async fn replica(server: &Server, options: Options) -> RedisBackend {
    RedisBackend::connect(&server.url(), options)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test's redis-server on port {}: {e}", server.port))
}

fn admitted(decision: RemoteDecision) -> bool {
    matches!(decision, RemoteDecision::Admit { after } if after.is_zero())
}

/// Two replicas (two connections, as two processes would have) hammer one limit for two
/// seconds from 8 tasks. Over the server-clock window `[t0, t1]` read just before the first
/// call and just after the last, the fleet is admitted at most `burst + floor(rate·(t1 −
/// t0))` calls (the GCRA's bound, exact at 20 per second: `T` = 50 000 µs) and at least
/// that minus one: a saturating fleet takes every token as it comes back, and the edges of
/// the window (a round trip and the tasks' start at each end) are shorter than one token's
/// 50 ms, even on a busy machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_one_budget_exactly() {
    let server = Server::start();
    let a = replica(&server, Options::default().timeout(LOADED)).await;
    let b = replica(&server, Options::default().timeout(LOADED)).await;
    let (rate, burst) = (20.0, 5.0);
    let config = RateLimitConfig::new(rate).burst_size(burst);
    let mut clock = redis::Client::open(server.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let mut time = async || -> u64 {
        let (secs, micros): (u64, u64) = redis::cmd("TIME").query_async(&mut clock).await.unwrap();
        secs * 1_000_000 + micros
    };
    let count = Arc::new(AtomicU64::new(0));
    let t0 = time().await;
    let end = Instant::now() + Duration::from_secs(2);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let backend = if i % 2 == 0 { a.clone() } else { b.clone() };
        let count = count.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < end {
                if admitted(backend.decide(request("shared", config)).await) {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let t1 = time().await;
    let admitted = count.load(Ordering::Relaxed);
    let bound = burst as u64 + (t1 - t0) / 50_000;
    println!("admitted {admitted} over {} µs of server time; bound {bound}", t1 - t0);
    assert!(admitted <= bound, "admitted {admitted} > burst + rate·T = {bound}");
    assert!(admitted + 1 >= bound, "admitted {admitted} < burst + rate·T − 1 = {}", bound - 1);
    assert!(a.is_available() && b.is_available());
}

/// A refusal says when the tokens come back (to the microsecond), and `max_wait` takes
/// them early and returns the wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_and_max_wait() {
    let server = Server::start();
    let a = replica(&server, Options::default().timeout(LOADED)).await;
    let config = RateLimitConfig::new(100.0).burst_size(1.0);
    assert_eq!(a.decide(request("wait", config)).await, RemoteDecision::Admit { after: Duration::ZERO });
    let RemoteDecision::Deny { retry_after } = a.decide(request("wait", config)).await else { panic!("admitted") };
    assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_millis(10), "{retry_after:?}");
    let waiting = config.max_wait(Duration::from_millis(20));
    let RemoteDecision::Admit { after } = a.decide(request("wait", waiting)).await else { panic!("refused") };
    assert!(after > Duration::ZERO && after <= Duration::from_millis(10), "{after:?}");
    // The waiter holds the next token: the one after comes 10 ms later still.
    let RemoteDecision::Deny { retry_after } = a.decide(request("wait", config)).await else { panic!("admitted") };
    assert!(retry_after > Duration::from_millis(10) && retry_after <= Duration::from_millis(20), "{retry_after:?}");
    // A weight above the burst is never admitted, and Redis is not asked.
    let heavy = RateLimitConfig::new(100.0).burst_size(1.0).weight(2);
    assert_eq!(a.decide(request("wait", heavy)).await, RemoteDecision::Deny { retry_after: Duration::MAX });
}

/// A limit's key lives only until its bucket is full again: `PTTL` is the time until then,
/// and the key is gone after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keys_expire_when_the_bucket_refills() {
    let server = Server::start();
    let a = replica(&server, Options::default().key_prefix("idle").timeout(LOADED)).await;
    let config = RateLimitConfig::new(100.0).burst_size(5.0);
    for _ in 0..5 {
        assert!(admitted(a.decide(request("idle", config)).await));
    }
    let key = a.limit_key("idle");
    assert_eq!(key, "idle:rl:idle");
    let mut conn = server.conn();
    let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
    assert!(pttl > 0 && pttl <= 50, "PTTL {pttl} ms: 5 tokens at 100 per second come back within 50 ms");
    std::thread::sleep(Duration::from_millis(70));
    let exists: i64 = redis::cmd("EXISTS").arg(&key).query(&mut conn).unwrap();
    assert_eq!(exists, 0, "the idle key should have expired");
    // A missing key is a full bucket.
    for _ in 0..5 {
        assert!(admitted(a.decide(request("idle", config)).await));
    }
    assert!(!admitted(a.decide(request("idle", config)).await));
}

/// `SCRIPT FLUSH` drops the script: the next decision gets `NOSCRIPT`, loads it again and
/// decides on the same state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_survives_script_flush() {
    let server = Server::start();
    let a = replica(&server, Options::default().timeout(LOADED)).await;
    let config = RateLimitConfig::new(1.0).burst_size(3.0);
    assert!(admitted(a.decide(request("flush", config)).await));
    assert!(admitted(a.decide(request("flush", config)).await));
    let mut conn = server.conn();
    let () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut conn).unwrap();
    let info: String = redis::cmd("INFO").arg("memory").query(&mut conn).unwrap();
    assert!(info.contains("number_of_cached_scripts:0"), "{info}");
    assert!(admitted(a.decide(request("flush", config)).await), "the third token, after the flush");
    assert!(!admitted(a.decide(request("flush", config)).await), "the bucket is empty: the state was kept");
    let info: String = redis::cmd("INFO").arg("memory").query(&mut conn).unwrap();
    assert!(info.contains("number_of_cached_scripts:1"), "the script was loaded again: {info}");
    assert!(a.is_available());
}

fn fast(options: Options) -> Options {
    options.timeout(Duration::from_secs(1)).backoff(Duration::from_millis(50), Duration::from_millis(50))
}

/// Waits past the backoff, then decides until Redis answers again (a restarted server
/// may take a moment to accept connections).
async fn until_available(a: &RedisBackend, config: RateLimitConfig) -> RemoteDecision {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let decision = a.decide(request("down", config)).await;
        if a.is_available() {
            return decision;
        }
        assert!(Instant::now() < deadline, "Redis decisions did not come back within 5 s of the restart");
    }
}

/// Redis stopped: `FailOpen` admits every call; restarted: Redis decides again (the key
/// is written, the burst holds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_open_while_down_then_redis_again() {
    let mut server = Server::start();
    let a = replica(&server, fast(Options::default().on_unavailable(Unavailable::FailOpen))).await;
    let config = RateLimitConfig::new(10.0).burst_size(2.0);
    assert!(admitted(a.decide(request("down", config)).await));
    server.stop();
    let started = Instant::now();
    for _ in 0..50 {
        assert!(admitted(a.decide(request("down", config)).await), "FailOpen admits");
    }
    assert!(!a.is_available());
    // Unreachable is decided at once: no call waits for a connection timeout after the first.
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    server.restart();
    assert!(admitted(until_available(&a, config).await));
    assert!(admitted(a.decide(request("down", config)).await));
    assert!(!admitted(a.decide(request("down", config)).await), "Redis decides again: the burst of 2 is spent");
    let exists: i64 = redis::cmd("EXISTS").arg(a.limit_key("down")).query(&mut server.conn()).unwrap();
    assert_eq!(exists, 1);
}

/// Redis stopped: `FailClosed` refuses with `RateLimited`, whose `retry_after` is the time
/// until the next attempt; restarted: Redis decides again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_closed_while_down_then_redis_again() {
    let mut server = Server::start();
    let a = replica(&server, fast(Options::default().on_unavailable(Unavailable::FailClosed))).await;
    let config = RateLimitConfig::new(10.0).burst_size(2.0);
    assert!(admitted(a.decide(request("down", config)).await));
    server.stop();
    for _ in 0..20 {
        match a.decide(request("down", config)).await {
            RemoteDecision::Deny { retry_after } => {
                assert!(retry_after <= Duration::from_millis(50), "{retry_after:?}")
            }
            other => panic!("FailClosed refuses, got {other:?}"),
        }
    }
    assert!(!a.is_available());
    server.restart();
    assert!(admitted(until_available(&a, config).await));
    assert!(a.is_available());
}

/// Redis stopped: `Local { share: 0.5 }` limits in the process at half the rate and burst;
/// restarted: Redis decides again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_share_while_down_then_redis_again() {
    let mut server = Server::start();
    let a = replica(&server, fast(Options::default().on_unavailable(Unavailable::Local { share: 0.5 }))).await;
    let config = RateLimitConfig::new(10.0).burst_size(10.0);
    assert!(admitted(a.decide(request("down", config)).await));
    server.stop();
    let mut admitted_locally = 0;
    let mut refused = None;
    for _ in 0..20 {
        match a.decide(request("down", config)).await {
            RemoteDecision::Admit { .. } => admitted_locally += 1,
            RemoteDecision::Deny { retry_after } => refused = Some(retry_after),
        }
    }
    // The local bucket holds 5 tokens and gains 5 per second: 5, or 6 if the loop spans
    // a fifth of a second.
    assert!((5..=6).contains(&admitted_locally), "{admitted_locally} admitted by the local limiter");
    let refused = refused.expect("the local limiter refuses past its burst");
    assert!(refused <= Duration::from_millis(200), "{refused:?}");
    server.restart();
    until_available(&a, config).await;
    assert!(a.is_available());
}

/// Redis stopped in the middle of a run of 16 concurrent callers: every call in flight fails
/// at once, but the backoff is set once (not doubled per failed call), so after a restart
/// Redis decides again within a few backoffs, not after the 5 s cap; meanwhile `FailOpen`
/// admits every call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_mid_run_under_load_then_back_within_the_first_backoffs() {
    let mut server = Server::start();
    let options = Options::default()
        .on_unavailable(Unavailable::FailOpen)
        .timeout(Duration::from_secs(1))
        .backoff(Duration::from_millis(50), Duration::from_secs(5));
    let a = replica(&server, options).await;
    let config = RateLimitConfig::new(1e6).burst_size(1e6);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let refused = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (a, stop, refused) = (a.clone(), stop.clone(), refused.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if !admitted(a.decide(request("load", config)).await) {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    // A decision without a round trip (the fallback's) does not yield: the
                    // callers' own work would; here nothing else does.
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!a.is_available());
    server.restart();
    let restarted = Instant::now();
    while !a.is_available() {
        assert!(restarted.elapsed() < Duration::from_secs(2), "Redis decisions did not come back within 2 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!("Redis decides again {:?} after the restart", restarted.elapsed());
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(refused.load(Ordering::Relaxed), 0, "FailOpen admits, and Redis had tokens for all");
}
