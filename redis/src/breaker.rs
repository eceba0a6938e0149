//! Breaker state shared across replicas: an opening published by one replica opens the
//! same breaker on the others for the time it has left. This module is the backend's task
//! that carries the openings over Redis; which breakers are shared, and the queue of this
//! replica's openings, are the backend's [`Sharing`](crate::sharing::Sharing).
//!
//! - **Publish.** A shared breaker gets a
//!   [`StateListener`](resile_runtime::circuit_breaker::StateListener). When it opens of its
//!   own accord (its own calls tripped it, or a half-open probe failed), the listener queues
//!   `(name, time left open)`; the task then writes `PREFIX:cb:NAME` with `PX` =
//!   that time (the key lives exactly as long as the opening) and `PUBLISH`es
//!   `NAME <ms> <replica>` on `PREFIX:cb`. Nothing is written while the breaker is closed,
//!   and no lock (local or on Redis) is held across a call.
//! - **Receive.** The task is subscribed to `PREFIX:cb`: a message from another replica
//!   opens the local breaker of that name for the time the message gives
//!   ([`CircuitBreaker::open_for`](resile_runtime::circuit_breaker::CircuitBreaker::open_for)); an open breaker is only lengthened, never shortened,
//!   and `ForcedOpen` or `Disabled` is left alone. An opening received this way is not
//!   published again.
//! - **Backstop.** Every `sync_interval` the task also reads the keys' `PTTL` (one round
//!   trip for every shared name): a replica whose subscription dropped, or that started
//!   after the message, opens for what the key has left.
//!
//! Times travel as durations (a time left, never an instant), so the replicas' clocks need
//! not agree. The delay bound: a replica honours another's opening one pub/sub delivery
//! after it (a round trip on the network plus the server's fan-out: well under a
//! millisecond on a loopback), and at most `sync_interval` after it when the message is
//! lost (plus the reconnection backoff while Redis is unreachable, during which nothing
//! is shared).

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;

use crate::limiter::{Inner, timed_out};
use crate::sharing::Opening;

/// Starts the backend's task: subscribes to the openings, publishes this replica's, and
/// polls the keys every `sync_interval`. It ends when the backend is dropped.
pub(crate) fn start(inner: &Arc<Inner>) {
    let Some(rx) = inner.sharing.take_openings() else { return };
    tokio::spawn(run(Arc::downgrade(inner), rx));
}

async fn run(inner: Weak<Inner>, mut rx: mpsc::UnboundedReceiver<Opening>) {
    let mut failures = 0u32;
    loop {
        let (client, options) = match inner.upgrade() {
            Some(inner) => (inner.client.clone(), inner.options.clone()),
            None => return,
        };
        let subscribed = async {
            let mut pubsub = client.get_async_pubsub().await?;
            let channel = match inner.upgrade() {
                Some(inner) => inner.sharing.channel.clone(),
                None => return Ok(None),
            };
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(Some(pubsub))
        };
        let pubsub = match tokio::time::timeout(options.timeout, subscribed).await.unwrap_or_else(|_| Err(timed_out()))
        {
            Ok(Some(pubsub)) => pubsub,
            Ok(None) => return,
            Err(_) => {
                // Unreachable: keep publishing what can be published (nothing, most
                // likely), and try again after the backoff.
                failures += 1;
                let backoff = options.min_backoff.saturating_mul(1 << failures.min(16)).min(options.max_backoff);
                let sleep = tokio::time::sleep(backoff);
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        _ = &mut sleep => break,
                        opening = rx.recv() => match (opening, inner.upgrade()) {
                            (Some(opening), Some(inner)) => publish(&inner, opening).await,
                            _ => return,
                        },
                    }
                }
                continue;
            }
        };
        failures = 0;
        let mut messages = pubsub.into_on_message();
        let mut tick = tokio::time::interval(options.sync_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = messages.next() => {
                    let Some(message) = message else { break }; // disconnected: subscribe again
                    let Some(inner) = inner.upgrade() else { return };
                    let payload: String = message.get_payload().unwrap_or_default();
                    received(&inner, &payload);
                }
                opening = rx.recv() => match (opening, inner.upgrade()) {
                    (Some(opening), Some(inner)) => publish(&inner, opening).await,
                    _ => return,
                },
                _ = tick.tick() => {
                    let Some(inner) = inner.upgrade() else { return };
                    inner.sharing.resolve();
                    poll(&inner).await;
                }
            }
        }
    }
}

/// `NAME MS REPLICA` from another replica: opens `NAME` here.
fn received(inner: &Inner, payload: &str) {
    let mut parts = payload.rsplitn(3, ' ');
    let (Some(replica), Some(ms), Some(name)) = (parts.next(), parts.next(), parts.next()) else { return };
    if replica.parse() == Ok(inner.sharing.replica) {
        return;
    }
    if let Ok(ms) = ms.parse::<u64>() {
        inner.sharing.adopt(name, Duration::from_millis(ms));
    }
}

/// Writes and publishes one of this replica's openings: `SET key replica PX ms` and
/// `PUBLISH`, in one pipeline (one round trip).
async fn publish(inner: &Inner, opening: Opening) {
    let Some(mut conn) = inner.connection() else { return };
    // Whole milliseconds, rounded up: a replica never half-opens before the publisher.
    let ms = u64::try_from(opening.left.as_micros().div_ceil(1000)).unwrap_or(u64::MAX).max(1);
    let sharing = &inner.sharing;
    let mut pipe = redis::pipe();
    pipe.cmd("SET").arg(sharing.key(opening.name)).arg(sharing.replica).arg("PX").arg(ms).ignore();
    pipe.cmd("PUBLISH").arg(&sharing.channel).arg(format!("{} {ms} {}", opening.name, sharing.replica)).ignore();
    let sent = tokio::time::timeout(inner.options.timeout, pipe.query_async::<()>(&mut conn)).await;
    if !matches!(sent, Ok(Ok(()))) {
        tracing::warn!(
            target: "resile",
            backend = "redis",
            resilience.policy = "circuit_breaker",
            resilience.name = opening.name,
            "the opening of circuit breaker `{}` could not be published to the other replicas",
            opening.name
        );
    }
}

/// The backstop: every shared breaker's key, in one pipeline of `PTTL`s and `GET`s (the
/// value names the replica that published it: this replica's own openings are skipped).
async fn poll(inner: &Inner) {
    let names = inner.sharing.names();
    if names.is_empty() {
        return;
    }
    let Some(mut conn) = inner.connection() else { return };
    let mut pipe = redis::pipe();
    for name in &names {
        let key = inner.sharing.key(name);
        pipe.cmd("PTTL").arg(&key).cmd("GET").arg(&key);
    }
    let polled = tokio::time::timeout(inner.options.timeout, pipe.query_async::<Vec<(i64, Option<u64>)>>(&mut conn));
    let Ok(Ok(keys)) = polled.await else { return };
    for (name, (ttl, replica)) in names.iter().zip(keys) {
        if ttl > 0 && replica != Some(inner.sharing.replica) {
            inner.sharing.adopt(name, Duration::from_millis(ttl as u64));
        }
    }
}
