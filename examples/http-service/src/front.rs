//! The front service: an axum server whose handler calls the downstream through a
//! [`Mix`], and which serves resile's metrics for Prometheus.
//!
//! - `GET /item/{id}?mix=<name>` (`mix` defaults to `bare`): `200` with the downstream's
//!   body; `502` when the downstream failed (after the mix's retries); `503` when a policy
//!   refused the call (an open breaker); `504` when a timeout cut it; `400` for an unknown
//!   mix.
//! - `GET /metrics`: every metric resile records, in Prometheus' text format.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use resile::Rejection;

use crate::client::{DownstreamClient, FetchError};
use crate::mixes::Mix;

/// The process's Prometheus recorder, installed as the `metrics` facade's global recorder
/// at the first call (later calls return the same handle).
///
/// # Panics
///
/// If another global recorder was installed before.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // Buckets make the durations Prometheus histograms rather than summaries.
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_seconds".into()),
                    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0],
                )
                .expect("buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).expect("no other metrics recorder is installed");
            handle
        })
        .clone()
}

#[derive(Debug)]
struct Front {
    downstream: DownstreamClient,
    metrics: PrometheusHandle,
}

/// A running front server.
#[derive(Clone, Debug)]
pub struct FrontServer {
    /// The address it listens on (127.0.0.1, a port of the system's choice).
    pub addr: SocketAddr,
}

impl FrontServer {
    /// Binds 127.0.0.1 on a free port and serves the front, calling the downstream at
    /// `downstream` (a base URL), from a spawned task (which ends with the runtime).
    /// Installs the metrics recorder ([`metrics_handle`]) if it is not yet.
    pub async fn start(downstream: &str) -> io::Result<Self> {
        let front = Arc::new(Front { downstream: DownstreamClient::new(downstream), metrics: metrics_handle() });
        let app = Router::new().route("/item/{id}", get(item)).route("/metrics", get(render)).with_state(front);
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(FrontServer { addr })
    }

    /// Its base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn item(
    State(front): State<Arc<Front>>,
    Path(id): Path<u64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mix = match query.get("mix").map_or(Ok(Mix::Bare), |m| m.parse::<Mix>()) {
        Ok(mix) => mix,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    match mix.call(&front.downstream, id).await {
        Ok(body) => (StatusCode::OK, body).into_response(),
        Err(e) => (status_of(&e), e.to_string()).into_response(),
    }
}

/// The front's status for a failed call.
pub fn status_of(error: &FetchError) -> StatusCode {
    match error {
        FetchError::Status { .. } | FetchError::Transport(_) => StatusCode::BAD_GATEWAY,
        FetchError::Rejected(Rejection::TimedOut { .. }) => StatusCode::GATEWAY_TIMEOUT,
        FetchError::Rejected(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn render(State(front): State<Arc<Front>>) -> Response {
    front.metrics.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], front.metrics.render()).into_response()
}
