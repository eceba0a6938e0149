//! Breaker state shared through a real `redis-server`: an opening on replica A is honoured
//! by replica B within the documented delay (one pub/sub delivery), by a replica that
//! missed the message within `sync_interval`, and is not published back.

mod common;

use std::time::{Duration, Instant};

use common::Server;
use resile::State;
use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
use resile::redis::{Options, RedisBackend};
use resile::{Outcome, Rejection};

const SYNC: Duration = Duration::from_millis(300);

fn breaker() -> &'static CircuitBreaker {
    let config = CircuitBreakerConfig::new().minimum_calls(2).window_size(2).open_timeout(Duration::from_secs(5));
    Box::leak(Box::new(CircuitBreaker::new("db", config)))
}

async fn replica(server: &Server) -> RedisBackend {
    RedisBackend::connect(&server.url(), Options::default().sync_interval(SYNC).timeout(common::LOADED))
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test's redis-server on port {}: {e}", server.port))
}

/// Waits until `n` replicas are subscribed to the openings' channel.
async fn subscribed(server: &Server, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, count): (String, i64) =
            redis::cmd("PUBSUB").arg("NUMSUB").arg("resile:cb").query(&mut server.conn()).unwrap();
        if count >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{count} of {n} replicas subscribed after 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn trip(breaker: &CircuitBreaker) {
    for _ in 0..2 {
        breaker.try_acquire().expect("closed").record(Outcome::Failure);
    }
    assert_eq!(breaker.state(), State::Open);
}

/// Polls `breaker` until it refuses; the time it took.
async fn refused_within(breaker: &CircuitBreaker, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if let Err(rejection) = breaker.try_acquire() {
            assert_eq!(rejection, Rejection::CircuitOpen { name: "db" });
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "the other replica's breaker still admits calls after {limit:?}");
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opening_on_one_replica_is_honoured_by_the_other() {
    let server = Server::start();
    let (a, b) = (replica(&server).await, replica(&server).await);
    let (on_a, on_b) = (breaker(), breaker());
    a.share_breaker(on_a);
    b.share_breaker(on_b);
    subscribed(&server, 2).await;

    trip(on_a);
    // The documented bound: one pub/sub delivery (well under `sync_interval`, which is the
    // bound only when the message is lost).
    let delay = refused_within(on_b, SYNC).await;
    println!("replica B refused {delay:?} after replica A opened");
    assert_eq!(on_b.state(), State::Open);
    // B opened for what A had left: about 5 s, not B's own open_timeout counted again later.
    let left = on_b.half_open_in().unwrap();
    assert!(left > Duration::from_secs(4) && left <= Duration::from_millis(5_001), "{left:?}");
    // The key lives as long as the opening.
    let pttl: i64 = redis::cmd("PTTL").arg(a.breaker_key("db")).query(&mut server.conn()).unwrap();
    assert!(pttl > 4_000 && pttl <= 5_000, "PTTL {pttl}");

    // B's adopted opening is not published back: A's opening keeps its own end.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let a_left = on_a.half_open_in().unwrap();
    assert!(a_left <= Duration::from_secs(5) - Duration::from_millis(50), "{a_left:?}");

    // A replica that starts after the message (it missed it) reads the key within
    // `sync_interval`.
    let c = replica(&server).await;
    let on_c = breaker();
    c.share_breaker(on_c);
    let delay = refused_within(on_c, SYNC + Duration::from_millis(200)).await;
    println!("replica C, started after the message, refused {delay:?} after it shared the breaker");
}

/// An operator's state holds: a forced-open or disabled breaker is left alone by openings
/// of other replicas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_state_holds() {
    let server = Server::start();
    let (a, b) = (replica(&server).await, replica(&server).await);
    let (on_a, on_b) = (breaker(), breaker());
    a.share_breaker(on_a);
    b.share_breaker(on_b);
    subscribed(&server, 2).await;
    on_b.disable();
    trip(on_a);
    tokio::time::sleep(SYNC * 2).await;
    assert_eq!(on_b.state(), State::Disabled);
    assert!(on_b.try_acquire().is_ok());
}
