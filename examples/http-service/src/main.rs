//! Runs every policy mix against a fresh flaky downstream over loopback and prints, per
//! mix, the success rate, the client-side p50/p99 and the downstream load.
//!
//! ```sh
//! cargo run --release -p resile-http-example
//! ```
//!
//! `REQUESTS=n` sets the requests per mix (default 1000, sent one every 2 ms).
//!
//! The downstream decides every answer from the item and how often it was asked for, so the
//! `bare` and `retry` rows are the same on every run (the latencies aside). The rows with a
//! breaker move a little from run to run: its open time runs on the wall clock, and how
//! many requests it refuses depends on where the burst finds it.

use std::time::Duration;

use resile_http_example::client::loopback_client;
use resile_http_example::load::sample;
use resile_http_example::{Mix, Pattern, Scenario, table};

const SPACING: Duration = Duration::from_millis(2);

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let requests: u64 = std::env::var("REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let pattern = Pattern::for_requests(requests);
    println!(
        "{requests} requests per mix, one every {} ms, to an axum front calling an axum downstream over loopback.",
        SPACING.as_millis()
    );
    println!(
        "Downstream: ids {}..{} fail every time (a burst), id % 10 == 3 fails once, id % 10 == 7 gets a 429",
        pattern.burst.start, pattern.burst.end
    );
    println!(
        "with Retry-After {} ms once, id % 25 == 11 answers after {} ms once (a latency tail).\n",
        pattern.retry_after.as_millis(),
        pattern.tail_latency.as_millis()
    );

    let mut runs = Vec::new();
    let mut last = None;
    for mix in Mix::ALL {
        let scenario = Scenario::start(pattern.clone()).await?;
        runs.push(scenario.run(mix, 0..requests, SPACING).await);
        last = Some(scenario);
    }
    print!("{}", table(&runs));
    println!(
        "\nReading it: retry turns the one-off 503s and the 429s into successes, at 1.5 downstream requests \
         per request; a breaker keeps that success and stops the load during the burst (its 503s are \
         requests shed at once, `503 shed`, instead of 502s after three attempts each), so the \
         downstream sees about one request per request; the timeout and the hedge cut the p99 of the \
         latency tail, the hedge without failing those requests."
    );

    // The front's /metrics, as Prometheus would scrape it (every front serves the same
    // process-wide recorder).
    let front = last.expect("at least one mix").front.url();
    let response = loopback_client().get(format!("{front}/metrics")).send().await.map_err(std::io::Error::other)?;
    let text = response.text().await.map_err(std::io::Error::other)?;
    println!("\nfrom {front}/metrics:\n");
    println!(
        "| {:<31} | {:>7} | {:>7} | {:>8} | {:>7} | {:>14} | {:>6} |",
        "function", "success", "failure", "rejected", "retries", "breaker opened", "hedges"
    );
    println!("|{:-<33}|{:->9}|{:->9}|{:->10}|{:->9}|{:->16}|{:->8}|", "", "", "", "", "", "", "");
    for mix in Mix::ALL {
        let Some(function) = mix.function() else { continue };
        let calls = |outcome| {
            sample(&text, "resile_calls_total", &[("function", function), ("outcome", outcome)]).unwrap_or(0.0)
        };
        let opened = mix
            .breaker()
            .and_then(|name| {
                sample(&text, "resile_circuit_breaker_transitions_total", &[("name", name), ("to", "open")])
            })
            .unwrap_or(0.0);
        let hedges = mix
            .hedge()
            .and_then(|name| sample(&text, "resile_hedges_total", &[("name", name), ("result", "fired")]))
            .unwrap_or(0.0);
        println!(
            "| {:<31} | {:>7} | {:>7} | {:>8} | {:>7} | {:>14} | {:>6} |",
            mix.label(),
            calls("success"),
            calls("failure"),
            calls("rejected"),
            sample(&text, "resile_retries_total", &[("function", function)]).unwrap_or(0.0),
            opened,
            hedges
        );
    }
    Ok(())
}
