//! The load driver and its report: requests sent to the front at a steady pace, timed from
//! the client's side, and a table per mix.

use std::fmt::Write as _;
use std::io;
use std::ops::Range;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use crate::downstream::{DownstreamServer, Pattern};
use crate::front::FrontServer;
use crate::mixes::Mix;

/// What the client saw of one request to the front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The item asked for.
    pub id: u64,
    /// The front's status (`0` when the front did not answer).
    pub status: u16,
    /// When the client sent it: no request of the front's for this item can start earlier.
    pub sent: Instant,
    /// From sending the request to reading the whole answer.
    pub latency: Duration,
}

/// A downstream and a front calling it: a fresh pair per run, so the downstream's counts
/// and each item's history are the run's alone.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The downstream.
    pub downstream: DownstreamServer,
    /// The front, calling `downstream`.
    pub front: FrontServer,
}

impl Scenario {
    /// Starts both servers on loopback.
    pub async fn start(pattern: Pattern) -> io::Result<Self> {
        let downstream = DownstreamServer::start(pattern).await?;
        let front = FrontServer::start(&downstream.url()).await?;
        Ok(Scenario { downstream, front })
    }

    /// Sends `GET /item/{id}?mix=<mix>` to the front for every id of `ids`, one every
    /// `spacing` (an open loop: a slow answer does not hold the next request back), and
    /// waits for every answer.
    pub async fn run(&self, mix: Mix, ids: Range<u64>, spacing: Duration) -> Run {
        let client = crate::client::loopback_client();
        let front = self.front.url();
        let before = self.downstream.state.requests();
        let mut ticks = tokio::time::interval(spacing);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut requests = JoinSet::new();
        for id in ids {
            ticks.tick().await;
            let (client, url) = (client.clone(), format!("{front}/item/{id}?mix={}", mix.name()));
            requests.spawn(async move {
                let start = Instant::now();
                let status = match client.get(url).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        // The latency includes the body; a body cut short is no answer.
                        if response.bytes().await.is_ok() { status } else { 0 }
                    }
                    Err(_) => 0,
                };
                Sample { id, status, sent: start, latency: start.elapsed() }
            });
        }
        let mut samples = requests.join_all().await;
        samples.sort_unstable_by_key(|s| s.id);
        Run { mix, samples, downstream_requests: self.downstream.state.requests() - before }
    }
}

/// One mix's run.
#[derive(Clone, Debug)]
pub struct Run {
    /// The mix.
    pub mix: Mix,
    /// Every request, by id.
    pub samples: Vec<Sample>,
    /// The requests the downstream received during the run.
    pub downstream_requests: u64,
}

impl Run {
    /// The requests sent to the front.
    pub fn requests(&self) -> u64 {
        self.samples.len() as u64
    }

    /// The requests answered with `status`.
    pub fn with_status(&self, status: u16) -> u64 {
        self.samples.iter().filter(|s| s.status == status).count() as u64
    }

    /// The requests answered `200`.
    pub fn successes(&self) -> u64 {
        self.with_status(200)
    }

    /// The share of requests answered `200`, from 0 to 1.
    pub fn success_rate(&self) -> f64 {
        self.successes() as f64 / self.requests().max(1) as f64
    }

    /// The latency below which a share `p` (0 < p ≤ 1) of the requests finished (nearest
    /// rank); zero for an empty run.
    pub fn percentile(&self, p: f64) -> Duration {
        let mut latencies: Vec<Duration> = self.samples.iter().map(|s| s.latency).collect();
        latencies.sort_unstable();
        let rank = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len().max(1));
        latencies.get(rank - 1).copied().unwrap_or_default()
    }

    /// Downstream requests per front request: the load the mix adds.
    pub fn amplification(&self) -> f64 {
        self.downstream_requests as f64 / self.requests().max(1) as f64
    }
}

/// The report: a Markdown table with a row per run.
pub fn table(runs: &[Run]) -> String {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {:<31} | {:>8} | {:>8} | {:>8} | {:>8} | {:>9} | {:>9} | {:>10} | {:>11} |",
        "mix", "requests", "success", "502", "503 shed", "p50", "p99", "downstream", "per request"
    );
    let _ = writeln!(
        out,
        "|{:-<33}|{:->10}|{:->10}|{:->10}|{:->10}|{:->11}|{:->11}|{:->12}|{:->13}|",
        "", "", "", "", "", "", "", "", ""
    );
    for run in runs {
        let _ = writeln!(
            out,
            "| {:<31} | {:>8} | {:>6.1} % | {:>8} | {:>8} | {:>9} | {:>9} | {:>10} | {:>11.2} |",
            run.mix.label(),
            run.requests(),
            100.0 * run.success_rate(),
            run.with_status(502),
            run.with_status(503),
            ms(run.percentile(0.50)),
            ms(run.percentile(0.99)),
            run.downstream_requests,
            run.amplification(),
        );
    }
    out
}

/// The value of the series `name{labels..}` in a Prometheus text exposition, summed over
/// the series whose labels include `labels` (a series may have more); `None` when no series
/// matches. (A small reader for this example's tests and report: a label value holding a
/// comma or an escaped quote is not read.)
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
        if series_name != name {
            continue;
        }
        let has = |(k, v): &(&str, &str)| {
            series_labels.trim_end_matches('}').split(',').any(|kv| kv == format!("{k}=\"{v}\""))
        };
        if labels.iter().all(has)
            && let Ok(value) = value.parse::<f64>()
        {
            *found.get_or_insert(0.0) += value;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_found_by_name_and_labels() {
        let text = "# TYPE resile_calls_total counter\n\
                    resile_calls_total{function=\"a::f\",outcome=\"success\"} 3\n\
                    resile_calls_total{function=\"a::f\",outcome=\"failure\"} 2\n\
                    resile_calls_total_x{function=\"a::f\"} 100\n\
                    resile_retries_total{function=\"a::f\"} 4\n";
        assert_eq!(sample(text, "resile_calls_total", &[("function", "a::f"), ("outcome", "failure")]), Some(2.0));
        assert_eq!(sample(text, "resile_calls_total", &[("function", "a::f")]), Some(5.0));
        assert_eq!(sample(text, "resile_calls_total", &[("function", "a::g")]), None);
        assert_eq!(sample(text, "resile_retries_total", &[]), Some(4.0));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let now = Instant::now();
        let samples =
            (1..=100).map(|ms| Sample { id: ms, status: 200, sent: now, latency: Duration::from_millis(ms) }).collect();
        let run = Run { mix: Mix::Bare, samples, downstream_requests: 150 };
        assert_eq!(run.percentile(0.50), Duration::from_millis(50));
        assert_eq!(run.percentile(0.99), Duration::from_millis(99));
        assert_eq!((run.success_rate(), run.amplification()), (1.0, 1.5));
    }
}
