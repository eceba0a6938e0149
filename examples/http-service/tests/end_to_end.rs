//! The service end to end over loopback: both servers on port 0, requests through the
//! front's HTTP interface, figures read from the downstream's records and from the front's
//! `/metrics`.
//!
//! Real sockets run on real time, so these tests assert counts and orderings, never
//! durations: the downstream's answers depend only on the item and how often it was asked
//! for (see `downstream`), which makes every count below a prediction, and an ordering
//! such as "the retried request arrived at least the hinted time after the 429 was
//! answered" holds however slow the machine is.
//!
//! Each test runs one mix, and each mix has breakers and metric series of its own, so the
//! tests run in parallel and the process-wide metrics stay apart.

use std::ops::Range;
use std::time::Duration;

use resile_http_example::client::loopback_client;
use resile_http_example::load::sample;
use resile_http_example::{Answer, Mix, Pattern, Run, Scenario};

/// Requests per run: ids `0..REQUESTS`.
const REQUESTS: u64 = 200;
/// One request every 2 ms: a run takes about 0.4 s, plus the latency tail.
const SPACING: Duration = Duration::from_millis(2);
/// The `max` of every mix's `#[retry]`.
const MAX_ATTEMPTS: u32 = 3;

fn ids() -> Range<u64> {
    0..REQUESTS
}

/// What a mix that retries every error up to `MAX_ATTEMPTS` times must see, from the pattern
/// alone: (successes, downstream requests).
fn predicted_retry(pattern: &Pattern) -> (u64, u64) {
    let (mut successes, mut requests) = (0, 0);
    for id in ids() {
        for nth in 1..=MAX_ATTEMPTS {
            requests += 1;
            if matches!(pattern.answer(id, nth), Answer::Ok | Answer::SlowOk) {
                successes += 1;
                break;
            }
        }
    }
    (successes, requests)
}

async fn get(url: String) -> reqwest::Result<reqwest::Response> {
    loopback_client().get(url).send().await
}

async fn metrics(scenario: &Scenario) -> String {
    let response = get(format!("{}/metrics", scenario.front.url())).await.expect("the front answers");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("a text body");
    assert!(text.contains("# TYPE resile_calls_total counter"), "Prometheus' text format");
    text
}

fn calls(text: &str, mix: Mix, outcome: &str) -> u64 {
    let function = mix.function().expect("an annotated mix");
    sample(text, "resile_calls_total", &[("function", function), ("outcome", outcome)]).unwrap_or(0.0) as u64
}

/// The ids the pattern answers `answer` on their first request.
fn first_answered(pattern: &Pattern, answer: Answer) -> Vec<u64> {
    ids().filter(|&id| pattern.answer(id, 1) == answer).collect()
}

async fn run(pattern: Pattern, mix: Mix) -> (Scenario, Run) {
    let scenario = Scenario::start(pattern).await.expect("both servers start on loopback");
    let run = scenario.run(mix, ids(), SPACING).await;
    assert_eq!(run.requests(), REQUESTS);
    assert_eq!(run.with_status(0), 0, "every request got an answer from the front");
    (scenario, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_succeeds_exactly_where_the_downstream_answers_the_first_request() {
    let pattern = Pattern::for_requests(REQUESTS);
    let (scenario, run) = run(pattern.clone(), Mix::Bare).await;

    // 200 ids, 30 in the burst (80..110), 34 more failing their first request (id % 10 is
    // 3 or 7 outside the burst): 136 succeed, 68 %.
    let expected = ids().filter(|&id| matches!(pattern.answer(id, 1), Answer::Ok | Answer::SlowOk)).count() as u64;
    assert_eq!(expected, 136);
    assert_eq!(run.successes(), expected);
    assert_eq!(run.with_status(502), REQUESTS - expected);
    assert_eq!(run.downstream_requests, REQUESTS, "one downstream request per front request");
    assert!(ids().all(|id| scenario.downstream.state.visits(id).len() == 1));

    // The downstream's own view of its load.
    let stats = get(format!("{}/stats", scenario.downstream.url())).await.unwrap().text().await.unwrap();
    assert_eq!(stats, format!("requests {REQUESTS}\n"));

    // The front refuses a mix it does not know.
    let unknown = get(format!("{}/item/1?mix=nope", scenario.front.url())).await.unwrap();
    assert_eq!(unknown.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_recovers_what_the_pattern_allows_at_the_predicted_cost_and_honours_retry_after() {
    let pattern = Pattern::for_requests(REQUESTS);
    let (scenario, run) = run(pattern.clone(), Mix::Retry).await;

    // Everything but the burst succeeds; the burst costs 3 attempts per id, the 34
    // transient failures and 429s one retry each: 200 + 2 × 30 + 34 = 294.
    let (successes, requests) = predicted_retry(&pattern);
    assert_eq!((successes, requests), (170, 294));
    assert_eq!(run.successes(), successes);
    assert_eq!(run.with_status(502), REQUESTS - successes);
    assert_eq!(run.downstream_requests, requests);
    assert_eq!(scenario.downstream.state.requests_for(pattern.burst.clone()), 3 * 30);

    // Each 429's retry arrived no earlier than its hint after the 429 was answered.
    let throttled = first_answered(&pattern, Answer::TooManyRequests);
    assert_eq!(throttled.len(), 17);
    for id in throttled {
        let visits = scenario.downstream.state.visits(id);
        assert_eq!(visits.len(), 2, "id {id}: a 429, then its retry");
        let answered = visits[0].answered.expect("a 429 is answered at once");
        assert!(
            visits[1].arrived >= answered + pattern.retry_after,
            "id {id}: the retry came {:?} after the 429, before its Retry-After of {:?}",
            visits[1].arrived - answered,
            pattern.retry_after
        );
    }

    // The front's /metrics counted the same calls.
    let text = metrics(&scenario).await;
    assert_eq!(calls(&text, Mix::Retry, "success"), successes);
    assert_eq!(calls(&text, Mix::Retry, "failure"), REQUESTS - successes);
    assert_eq!(calls(&text, Mix::Retry, "rejected"), 0);
    let function = [("function", Mix::Retry.function().unwrap())];
    assert_eq!(sample(&text, "resile_retries_total", &function), Some((requests - REQUESTS) as f64));
    assert_eq!(sample(&text, "resile_retries_exhausted_total", &function), Some(30.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breaker_stops_sending_to_the_downstream_during_a_burst() {
    let pattern = Pattern::for_requests(REQUESTS);
    let (scenario, run) = run(pattern.clone(), Mix::RetryBreaker).await;
    let burst_len = pattern.burst.end - pattern.burst.start;

    // Retry alone sends every burst id 3 times (the test above): 90 requests. The breaker
    // opens after a few of them and sheds the rest.
    let burst_requests = scenario.downstream.state.requests_for(pattern.burst.clone());
    assert!(
        burst_requests < u64::from(MAX_ATTEMPTS) * burst_len,
        "the breaker let {burst_requests} requests into the burst, as many as retry alone"
    );
    assert!(run.downstream_requests < predicted_retry(&pattern).1);
    // Nothing of the burst succeeds, and the breaker never turns a success into a failure
    // of the downstream: the successes are at most retry's.
    assert!(pattern.burst.clone().all(|id| run.samples[id as usize].status != 200));
    assert!(run.successes() <= predicted_retry(&pattern).0);

    let text = metrics(&scenario).await;
    let name = Mix::RetryBreaker.breaker().unwrap();
    let opened = sample(&text, "resile_circuit_breaker_transitions_total", &[("name", name), ("to", "open")]);
    assert!(opened >= Some(1.0), "the breaker opened: {opened:?}");
    // What the client saw is what the metrics counted: a 200 per success, a 503 per call
    // the open breaker refused, a 502 per failure of the downstream.
    assert_eq!(calls(&text, Mix::RetryBreaker, "success"), run.successes());
    assert_eq!(calls(&text, Mix::RetryBreaker, "rejected"), run.with_status(503));
    assert_eq!(calls(&text, Mix::RetryBreaker, "failure"), run.with_status(502));
    assert!(run.with_status(503) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_cuts_the_latency_tail_and_the_retry_asks_again() {
    let pattern = Pattern::for_requests(REQUESTS).without_burst();
    let (scenario, run) = run(pattern.clone(), Mix::RetryBreakerTimeout).await;

    // With no burst every request succeeds: the slow first answers are cut at 100 ms and
    // asked again.
    assert_eq!(run.successes(), REQUESTS);
    let slow = first_answered(&pattern, Answer::SlowOk);
    assert_eq!(slow.len(), 8);
    for &id in &slow {
        let visits = scenario.downstream.state.visits(id);
        assert!(visits.len() >= 2, "id {id}: the slow request, then its retry");
        // The first attempt started after the client sent the request, and its retry only
        // after the timeout cut it.
        let sent = run.samples[id as usize].sent;
        assert!(
            visits[1].arrived >= sent + Duration::from_millis(100),
            "id {id}: retried before the timeout could cut the first request"
        );
    }
    // At least one request per id, one retry per transient failure, 429 and slow answer.
    let (_, requests) = predicted_retry(&pattern);
    assert!(run.downstream_requests >= requests + slow.len() as u64);

    let text = metrics(&scenario).await;
    assert_eq!(calls(&text, Mix::RetryBreakerTimeout, "success"), REQUESTS);
    let timed_out = sample(&text, "resile_rejections_total", &[("policy", "timeout"), ("reason", "timed_out")]);
    assert!(timed_out >= Some(slow.len() as f64), "every slow request was cut: {timed_out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hedge_races_the_latency_tail_and_leaves_errors_to_the_retry() {
    let pattern = Pattern::for_requests(REQUESTS).without_burst();
    let (scenario, run) = run(pattern.clone(), Mix::RetryBreakerHedge).await;

    assert_eq!(run.successes(), REQUESTS);
    // A slow first request is hedged 50 ms after it started (which is after the client
    // sent the request to the front).
    let slow = first_answered(&pattern, Answer::SlowOk);
    for &id in &slow {
        let visits = scenario.downstream.state.visits(id);
        assert!(visits.len() >= 2, "id {id}: the slow request, then its hedge");
        let sent = run.samples[id as usize].sent;
        assert!(visits[1].arrived >= sent + Duration::from_millis(50), "id {id}: hedged too early");
    }
    // A 429 is no reason to hedge: it goes to the retry, which waits for its Retry-After.
    // (A request that arrived before the 429 was answered is a hedge of a first request
    // that was slow to answer on a loaded machine, not a reaction to the 429.)
    for id in first_answered(&pattern, Answer::TooManyRequests) {
        let visits = scenario.downstream.state.visits(id);
        let answered = visits[0].answered.expect("a 429 is answered at once");
        assert!(visits.len() >= 2, "id {id}: a 429, then its retry");
        assert!(
            visits[1..].iter().all(|v| v.arrived < answered || v.arrived >= answered + pattern.retry_after),
            "id {id}: Retry-After undercut"
        );
    }
    let (_, requests) = predicted_retry(&pattern);
    assert!(run.downstream_requests >= requests + slow.len() as u64);

    let text = metrics(&scenario).await;
    assert_eq!(calls(&text, Mix::RetryBreakerHedge, "success"), REQUESTS);
    let fired =
        sample(&text, "resile_hedges_total", &[("name", Mix::RetryBreakerHedge.hedge().unwrap()), ("result", "fired")]);
    assert!(fired >= Some(slow.len() as f64), "every slow request was hedged: {fired:?}");
}
