//! The flaky downstream: an axum server whose every answer is decided by the item asked for
//! and by how many times that item was asked for before.
//!
//! Nothing in it is random and nothing depends on the clock, so the figures a test predicts
//! with [`Pattern::answer`] are the figures the server produces, whatever the scheduling:
//!
//! | item id | 1st request | later requests |
//! |---|---|---|
//! | in [`Pattern::burst`] | `503` | `503` (an outage while these ids are asked for) |
//! | `id % 10 == 3` | `503` | `200` (a transient failure) |
//! | `id % 10 == 7` | `429` with `Retry-After` and `Retry-After-Ms` | `200` |
//! | `id % 25 == 11` | `200` after [`Pattern::tail_latency`] | `200` at once (a slow replica, a cold cache) |
//! | any other | `200` | `200` |
//!
//! The burst wins over the other rows; the other rows never overlap (`11 mod 25` is `1` or
//! `6 mod 10`).
//!
//! ## Retry-After in milliseconds
//!
//! `Retry-After` (RFC 9110 §10.2.3) counts whole seconds, which would make every throttled
//! request of a run wait a second. The server sends the hint twice: `Retry-After` rounded up
//! to whole seconds, for clients that know only the standard header, and `Retry-After-Ms`
//! with the exact milliseconds, as some HTTP APIs do. [`crate::client`] reads
//! `Retry-After-Ms` first.
//!
//! ## Endpoints
//!
//! - `GET /item/{id}`: the answer above; the body of a `200` is `item {id}`.
//! - `GET /stats`: `requests <n>`, the requests received so far (the downstream load).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The custom header that carries the `Retry-After` hint in milliseconds.
pub const RETRY_AFTER_MS: &str = "retry-after-ms";

/// What the downstream answers to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `200 OK` at once.
    Ok,
    /// `200 OK` after [`Pattern::tail_latency`].
    SlowOk,
    /// `503 Service Unavailable`.
    Unavailable,
    /// `429 Too Many Requests` with a `Retry-After` hint of [`Pattern::retry_after`].
    TooManyRequests,
}

/// The downstream's behaviour: which requests fail, are throttled or are slow (the table in
/// the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// Ids answered `503` on every request.
    pub burst: Range<u64>,
    /// The hint a `429` carries.
    pub retry_after: Duration,
    /// How long the first request for a slow id takes.
    pub tail_latency: Duration,
}

impl Pattern {
    /// The pattern for a run over the ids `0..requests`: a burst over the ids from 40 % to
    /// 55 % of the run, a 30 ms `Retry-After`, a 250 ms latency tail.
    pub fn for_requests(requests: u64) -> Self {
        Pattern {
            burst: requests * 40 / 100..requests * 55 / 100,
            retry_after: Duration::from_millis(30),
            tail_latency: Duration::from_millis(250),
        }
    }

    /// The same pattern with no burst.
    pub fn without_burst(self) -> Self {
        Pattern { burst: 0..0, ..self }
    }

    /// The answer to the `nth` request (1 for the first) for item `id`.
    pub fn answer(&self, id: u64, nth: u32) -> Answer {
        if self.burst.contains(&id) {
            Answer::Unavailable
        } else if nth > 1 {
            Answer::Ok
        } else if id % 10 == 3 {
            Answer::Unavailable
        } else if id % 10 == 7 {
            Answer::TooManyRequests
        } else if id % 25 == 11 {
            Answer::SlowOk
        } else {
            Answer::Ok
        }
    }

    /// Whether item `id` is slow on its first request.
    pub fn is_slow(&self, id: u64) -> bool {
        self.answer(id, 1) == Answer::SlowOk
    }
}

/// One request the downstream received.
#[derive(Clone, Copy, Debug)]
pub struct Visit {
    /// When it arrived.
    pub arrived: Instant,
    /// What it was answered.
    pub answer: Answer,
    /// When the handler returned its answer (for a slow answer, after its sleep; `None`
    /// while it sleeps, or when the request was dropped before).
    pub answered: Option<Instant>,
}

/// The downstream's state: its pattern, its request counter and the visits of every id.
#[derive(Debug)]
pub struct Downstream {
    pattern: Pattern,
    requests: AtomicU64,
    visits: Mutex<HashMap<u64, Vec<Visit>>>,
}

impl Downstream {
    /// A downstream with no request yet.
    pub fn new(pattern: Pattern) -> Self {
        Downstream { pattern, requests: AtomicU64::new(0), visits: Mutex::new(HashMap::new()) }
    }

    /// Its pattern.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// The requests received so far: the downstream load.
    pub fn requests(&self) -> u64 {
        // Orderings: a counter read after the run's requests were answered; the answers
        // (received over sockets) order it.
        self.requests.load(Ordering::Relaxed)
    }

    /// The requests received for item `id`, in order of arrival.
    pub fn visits(&self, id: u64) -> Vec<Visit> {
        self.lock().get(&id).cloned().unwrap_or_default()
    }

    /// The requests received for the ids in `ids`.
    pub fn requests_for(&self, ids: Range<u64>) -> u64 {
        let visits = self.lock();
        ids.map(|id| visits.get(&id).map_or(0, |v| v.len() as u64)).sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Vec<Visit>>> {
        self.visits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a request for `id`: its index in the id's visits and its answer.
    fn arrive(&self, id: u64) -> (usize, Answer) {
        let arrived = Instant::now();
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut visits = self.lock();
        let visits = visits.entry(id).or_default();
        let nth = u32::try_from(visits.len() + 1).unwrap_or(u32::MAX);
        let answer = self.pattern.answer(id, nth);
        visits.push(Visit { arrived, answer, answered: None });
        (visits.len() - 1, answer)
    }

    fn answered(&self, id: u64, index: usize) {
        if let Some(visit) = self.lock().get_mut(&id).and_then(|v| v.get_mut(index)) {
            visit.answered = Some(Instant::now());
        }
    }
}

/// A running downstream server.
#[derive(Clone, Debug)]
pub struct DownstreamServer {
    /// The address it listens on (127.0.0.1, a port of the system's choice).
    pub addr: SocketAddr,
    /// Its state, shared with the server.
    pub state: Arc<Downstream>,
}

impl DownstreamServer {
    /// Binds 127.0.0.1 on a free port and serves `pattern` from a spawned task (which ends
    /// with the runtime).
    pub async fn start(pattern: Pattern) -> io::Result<Self> {
        let state = Arc::new(Downstream::new(pattern));
        let app =
            Router::new().route("/item/{id}", get(item)).route("/stats", get(stats)).with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(DownstreamServer { addr, state })
    }

    /// Its base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn item(State(downstream): State<Arc<Downstream>>, Path(id): Path<u64>) -> Response {
    let (index, answer) = downstream.arrive(id);
    let response = match answer {
        Answer::Ok => (StatusCode::OK, format!("item {id}")).into_response(),
        Answer::SlowOk => {
            tokio::time::sleep(downstream.pattern.tail_latency).await;
            (StatusCode::OK, format!("item {id}")).into_response()
        }
        Answer::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response(),
        Answer::TooManyRequests => {
            let hint = downstream.pattern.retry_after;
            let seconds = hint.as_millis().div_ceil(1000).max(1);
            let mut response = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds as u64));
            headers.insert(RETRY_AFTER_MS, HeaderValue::from(hint.as_millis() as u64));
            response
        }
    };
    downstream.answered(id, index);
    response
}

async fn stats(State(downstream): State<Arc<Downstream>>) -> String {
    format!("requests {}\n", downstream.requests())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_follows_the_table() {
        let pattern = Pattern::for_requests(1000);
        assert_eq!(pattern.burst, 400..550);
        // the burst wins, on every request
        assert_eq!(pattern.answer(403, 1), Answer::Unavailable);
        assert_eq!(pattern.answer(400, 5), Answer::Unavailable);
        // transient, throttled, slow: the first request only
        assert_eq!((pattern.answer(13, 1), pattern.answer(13, 2)), (Answer::Unavailable, Answer::Ok));
        assert_eq!((pattern.answer(17, 1), pattern.answer(17, 2)), (Answer::TooManyRequests, Answer::Ok));
        assert_eq!((pattern.answer(36, 1), pattern.answer(36, 2)), (Answer::SlowOk, Answer::Ok));
        assert_eq!(pattern.answer(20, 1), Answer::Ok);
        assert!(pattern.is_slow(11) && !pattern.is_slow(411));
        // no burst: 30..70 of a 100-request run is gone
        assert_eq!(Pattern::for_requests(100).without_burst().answer(45, 1), Answer::Ok);
    }
}
