//! The front's HTTP client for the downstream (reqwest), its error type and the two
//! functions the `#[retry]`s take: which errors to retry and how long an error asks to wait.

use std::fmt;
use std::time::Duration;

use axum::http::{HeaderMap, header};
use resile::Rejection;

use crate::downstream::RETRY_AFTER_MS;

/// Why a call to the downstream failed.
#[derive(Debug)]
pub enum FetchError {
    /// The downstream answered with a status other than `2xx`.
    Status {
        /// The status code.
        status: u16,
        /// The wait the answer asked for (`Retry-After-Ms`, else `Retry-After`).
        retry_after: Option<Duration>,
    },
    /// The request did not get an answer (connection refused, reset, ...).
    Transport(reqwest::Error),
    /// A resile policy refused or cut the call.
    Rejected(Rejection),
}

impl From<Rejection> for FetchError {
    fn from(r: Rejection) -> Self {
        FetchError::Rejected(r)
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Status { status, .. } => write!(f, "the downstream answered {status}"),
            FetchError::Transport(e) => write!(f, "the downstream did not answer: {e}"),
            FetchError::Rejected(r) => write!(f, "{r}"),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Transport(e) => Some(e),
            FetchError::Rejected(r) => Some(r),
            FetchError::Status { .. } => None,
        }
    }
}

/// A `5xx`, a `429` or a `408`, a request that got no answer, a timeout: worth retrying. An
/// open breaker is not (a retry into it within its open time is refused again), nor is any
/// other `4xx`.
impl resile::presets::Transient for FetchError {
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => resile::presets::is_transient_status(*status),
            FetchError::Transport(_) => true,
            FetchError::Rejected(r) => r.is_transient(),
        }
    }
}

/// The `retry_after` of the `#[retry]`s: the wait the downstream asked for. resile sleeps
/// max(backoff delay, this), so a retry never comes back before the hint.
pub fn retry_after(error: &FetchError) -> Option<Duration> {
    match error {
        FetchError::Status { retry_after, .. } => *retry_after,
        FetchError::Transport(_) | FetchError::Rejected(_) => None,
    }
}

/// The `fatal` of the `#[hedge]`s: every error ends the hedged call at once and goes to the
/// retry around it. Without it a failed attempt starts the next hedged attempt at once
/// (SPEC §5), which would answer a `429` straight away instead of after its `Retry-After`,
/// and spend the hedge budget on errors rather than on slow answers.
pub fn ends_hedge(_: &FetchError) -> bool {
    true
}

/// The hint of a response's headers: `Retry-After-Ms` (milliseconds) if present, else
/// `Retry-After` as delta-seconds. (The HTTP-date form of `Retry-After` is not read: this
/// downstream never sends it.)
pub fn retry_after_hint(headers: &HeaderMap) -> Option<Duration> {
    let number = |name| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
    number(RETRY_AFTER_MS)
        .map(Duration::from_millis)
        .or_else(|| number(header::RETRY_AFTER.as_str()).map(Duration::from_secs))
}

/// A reqwest client for this example's loopback servers: pooled connections, and no proxy
/// (an `HTTP_PROXY` in the environment would otherwise carry requests to 127.0.0.1 away).
///
/// # Panics
///
/// If reqwest cannot build a client (it can always build this one: no TLS to set up).
pub fn loopback_client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("a plain HTTP client")
}

/// The downstream as the front sees it: a pooled reqwest client and the downstream's base URL.
#[derive(Clone, Debug)]
pub struct DownstreamClient {
    http: reqwest::Client,
    base: String,
}

impl DownstreamClient {
    /// A client for the downstream at `base` (`http://127.0.0.1:<port>`).
    pub fn new(base: impl Into<String>) -> Self {
        DownstreamClient { http: loopback_client(), base: base.into() }
    }

    /// `GET /item/{id}`: the body of a `2xx`, else the status and its `Retry-After` hint.
    pub async fn item(&self, id: u64) -> Result<String, FetchError> {
        let response = self.http.get(format!("{}/item/{id}", self.base)).send().await.map_err(FetchError::Transport)?;
        let status = response.status();
        if status.is_success() {
            return response.text().await.map_err(FetchError::Transport);
        }
        Err(FetchError::Status { status: status.as_u16(), retry_after: retry_after_hint(response.headers()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resile::presets::is_transient;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|&(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn the_hint_prefers_milliseconds_and_falls_back_to_seconds() {
        let both = headers(&[("retry-after", "1"), ("retry-after-ms", "30")]);
        assert_eq!(retry_after_hint(&both), Some(Duration::from_millis(30)));
        assert_eq!(retry_after_hint(&headers(&[("retry-after", "2")])), Some(Duration::from_secs(2)));
        // the HTTP-date form is not read
        assert_eq!(retry_after_hint(&headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])), None);
        assert_eq!(retry_after_hint(&HeaderMap::new()), None);
    }

    #[test]
    fn what_is_retried() {
        let status = |status| FetchError::Status { status, retry_after: None };
        assert!(is_transient(&status(503)) && is_transient(&status(429)));
        assert!(!is_transient(&status(404)));
        assert!(is_transient(&FetchError::from(Rejection::TimedOut { after: Duration::from_millis(100) })));
        assert!(!is_transient(&FetchError::from(Rejection::CircuitOpen { name: "db" })));
        let throttled = FetchError::Status { status: 429, retry_after: Some(Duration::from_millis(30)) };
        assert_eq!(retry_after(&throttled), Some(Duration::from_millis(30)));
    }
}
