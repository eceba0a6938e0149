//! `resile::sim`: determinism, and the simulator checked against arithmetic.

use std::time::Duration;

use resile::sim::{Arrival, Downstream, Fault, Incident, Latency, Simulation, compare};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[resile::retry(max = 3, jitter = "none", base_delay = "10ms")]
async fn three_attempts(d: &Downstream) -> Result<(), Fault> {
    d.call().await
}

#[resile::circuit_breaker(name = "sim-db", window_size = 20, minimum_calls = 10, open_timeout = "2s")]
#[resile::retry(max = 3, base_delay = "20ms")]
#[resile::hedge(name = "sim-db", delay = "60ms")]
#[resile::timeout("250ms")]
async fn full_stack(d: &Downstream) -> Result<(), Fault> {
    d.call().await
}

fn eventful(seed: u64) -> Simulation {
    let downstream = Downstream::new()
        .latency(Latency::log_normal(ms(20), 0.5).with_tail(0.02, Latency::uniform(ms(200), ms(900))))
        .error_rate(0.02)
        .incident(Incident::outage(s(10), s(8)))
        .incident(Incident::periodic_bursts(s(5), ms(500), 0.5));
    Simulation::new(downstream).arrival_rate(200.0).duration(s(30)).seed(seed)
}

/// Same seed, same report, bit for bit (and a different seed, a different one), through a
/// stack with jitter, a breaker, a hedge and a timeout.
#[tokio::test(start_paused = true)]
async fn same_seed_same_report() {
    let a = eventful(42).run(async |d| full_stack(d).await).await;
    let b = eventful(42).run(async |d| full_stack(d).await).await;
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert!(a == b, "the reports differ beyond their Debug text");
    assert!(a.breaker_openings > 0 && a.hedges > 0 && a.retries > 0 && a.rejections.total() > 0, "{a:?}");
    let c = eventful(43).run(async |d| full_stack(d).await).await;
    assert_ne!(format!("{a:?}"), format!("{c:?}"));
}

/// `#[retry(max = 3, jitter = "none")]` over an independent 10 % error rate: success
/// 1 - 0.1³ = 99.9 %, attempts per call 1 + 0.1 + 0.01 = 1.11, over 20 000 calls.
#[tokio::test(start_paused = true)]
async fn retry_matches_arithmetic() {
    let sim = Simulation::new(Downstream::new().latency(Latency::fixed(ms(10))).error_rate(0.1))
        .arrival(Arrival::constant(100.0))
        .duration(s(200))
        .seed(7);
    let r = sim.run(async |d| three_attempts(d).await).await;
    assert_eq!(r.calls, 20_000);
    assert!((r.success_rate - 0.999).abs() <= 0.002, "success rate {}", r.success_rate);
    assert!((r.attempts_per_call - 1.11).abs() <= 0.01, "attempts per call {}", r.attempts_per_call);
    assert_eq!(r.retries, r.downstream_calls - r.calls);
    // A call takes 10 ms, 30 ms (10 + 10 backoff + 10) or 60 ms (+ 20 ms backoff + 10).
    assert_eq!(r.p50, ms(10));
    assert_eq!(r.max, ms(60));
    println!("{r:?}");
}

/// A breaker's open time during a 60 s outage, computed from its configuration: it opens
/// when the 5th failure of its 10-call window is recorded, stays open `open_timeout`, lets
/// one probe through (10 ms, failing while the outage lasts) and opens again, until a probe
/// starts after the outage and closes it.
#[resile::circuit_breaker(name = "outage", window_size = 10, minimum_calls = 10, open_timeout = "5s")]
async fn guarded(d: &Downstream) -> Result<(), Fault> {
    d.call().await
}

#[tokio::test(start_paused = true)]
async fn breaker_open_time_matches_configuration() {
    let (outage_start, outage) = (s(10), s(60));
    let latency = ms(10);
    let gap = ms(10); // 100 calls per second
    let sim = Simulation::new(
        Downstream::new().latency(Latency::fixed(latency)).incident(Incident::outage(outage_start, outage)),
    )
    .arrival(Arrival::constant(100.0))
    .duration(s(90));
    let r = sim.run(async |d| guarded(d).await).await;

    // The first 10 calls of the outage fail; the window of 10 holds 5 failures (rate 0.5, the
    // default threshold) when the 5th ends: the call that started at 10.04 s, ending 10.05 s.
    let mut open_at = outage_start + 4 * gap + latency;
    let (mut expected, mut openings) = (Duration::ZERO, 0);
    loop {
        openings += 1;
        expected += s(5);
        // The first call at or after `open_at + 5 s` is the probe (arrivals every 10 ms,
        // and every instant here is a multiple of 10 ms).
        let probe = open_at + s(5);
        if probe >= outage_start + outage {
            break; // it succeeds: closed
        }
        open_at = probe + latency; // it fails when it ends: open again
    }
    assert_eq!(r.breaker_openings, openings, "{r:?}");
    assert_eq!(r.breaker_open_time, expected, "{r:?}");
    // While it is open every call is refused at once; the downstream sees only the probes.
    assert_eq!(r.rejections.circuit_open + r.downstream_calls, r.calls);
    println!("open {:?} in {openings} openings; {r:?}", r.breaker_open_time);
}

/// Poisson arrivals: the count over T seconds at rate λ has mean and variance λT.
#[tokio::test(start_paused = true)]
async fn poisson_count_within_bounds() {
    let (rate, secs) = (100.0, 600.0);
    let mean = rate * secs;
    let sd = f64::sqrt(mean);
    for seed in [1, 2, 3] {
        let sim = Simulation::new(Downstream::new().latency(Latency::fixed(ms(1))))
            .arrival(Arrival::poisson(rate))
            .duration(Duration::from_secs_f64(secs))
            .seed(seed);
        let r = sim.run(async |d| d.call().await).await;
        let z = (r.calls as f64 - mean) / sd;
        assert!(z.abs() < 4.0, "seed {seed}: {} calls, z = {z:.2}", r.calls);
    }
}

/// A downstream past its capacity slows down: the same arrivals take longer and pile up.
#[tokio::test(start_paused = true)]
async fn capacity_degrades_latency_under_concurrency() {
    let base = Downstream::new().latency(Latency::fixed(ms(10)));
    let run = async |downstream: Downstream| {
        Simulation::new(downstream)
            .arrival(Arrival::poisson(900.0))
            .duration(s(20))
            .seed(5)
            .run(async |d| d.call().await)
            .await
    };
    let free = run(base.clone()).await;
    let limited = run(base.capacity(10)).await;
    assert_eq!(free.p99, ms(10));
    assert_eq!(free.max, ms(10));
    assert!(limited.p99 > ms(15), "{limited:?}");
    assert!(limited.peak_concurrency > free.peak_concurrency, "{limited:?} vs {free:?}");
    assert_eq!(free.calls, limited.calls);
}

/// A closed loop of clients: each calls again when its call ends.
#[tokio::test(start_paused = true)]
async fn clients_call_back_to_back() {
    let sim = Simulation::new(Downstream::new().latency(Latency::fixed(ms(10))))
        .arrival(Arrival::clients(5, Duration::ZERO))
        .duration(s(1));
    let r = sim.run(async |d| d.call().await).await;
    assert_eq!(r.calls, 500);
    assert_eq!(r.peak_concurrency, 5);
}

/// `compare`: a header, a rule, a row per report in order, and the refusals by kind.
#[tokio::test(start_paused = true)]
async fn compare_prints_a_table() {
    let sim = eventful(1).duration(s(15));
    let bare = sim.run(async |d| d.call().await).await;
    let stack = sim.run(async |d| full_stack(d).await).await;
    let table = compare(&[("bare", &bare), ("retry + breaker + hedge", &stack)]);
    println!("{table}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("| configuration") && lines[0].contains(" load × |"), "{table}");
    assert!(lines[1].starts_with("|:--") && lines[1].ends_with(":|"), "{table}");
    assert!(lines[2].starts_with("| bare ") && lines[3].starts_with("| retry + breaker + hedge "), "{table}");
    assert_eq!(lines[2].matches('|').count(), lines[0].matches('|').count());
    assert!(table.contains("refused by kind: retry + breaker + hedge: "), "{table}");
    let svg = resile::sim::svg::cdf(&[("bare", &bare), ("stack", &stack)]);
    assert!(svg.starts_with("<svg") && svg.contains("latency CDF"), "{svg:.200}");
    let svg = resile::sim::svg::load(&[("bare", &bare), ("stack", &stack)]);
    assert!(svg.starts_with("<svg"), "{svg:.200}");
}

/// On the real clock a run would be neither fast nor repeatable: `run` refuses.
#[tokio::test]
#[should_panic(expected = "needs tokio's clock paused")]
async fn refuses_a_running_clock() {
    let _ = Simulation::new(Downstream::new().latency(Latency::fixed(ms(1)))).run(async |d| d.call().await).await;
}

/// `outage(a..b)`: a call that starts in the window fails with `Fault::Outage`, one outside
/// it does not; offsets count from the run's start.
#[tokio::test(start_paused = true)]
async fn outage_window_fails_with_outage() {
    let sim = Simulation::new(Downstream::new().outage(s(1)..s(2))).arrival(Arrival::constant(10.0)).duration(s(3));
    let seen = std::cell::RefCell::new(Vec::new());
    let r = sim
        .run(async |d| {
            let result = d.call().await;
            seen.borrow_mut().push(result);
            result
        })
        .await;
    let seen = seen.into_inner();
    assert_eq!(r.calls, 30);
    assert_eq!(seen.iter().filter(|r| **r == Err(Fault::Outage)).count(), 10, "{seen:?}");
    assert_eq!(r.successes, 20);
}

/// `run_sampled` reads its value at 0, `every`, 2 × `every`, … until the last call ends,
/// after the calls of that instant, and changes nothing else in the report.
#[tokio::test(start_paused = true)]
async fn run_sampled_reads_a_value_on_a_period_and_leaves_the_report_alone() {
    let sim = eventful(5);
    let plain = sim.run(async |d| full_stack(d).await).await;
    let in_progress = std::cell::RefCell::new(Vec::new());
    let sampled = sim
        .run_sampled(
            async |d| full_stack(d).await,
            ms(250),
            || {
                in_progress.borrow_mut().push(sim.downstream().in_progress());
                f64::from(sim.downstream().in_progress())
            },
        )
        .await;
    assert!(plain.samples().is_empty());
    let samples = sampled.samples();
    // One at the start, then every 250 ms up to the end of the last call.
    assert_eq!(samples.len(), (sampled.elapsed.as_millis() / 250) as usize + 1, "{sampled:?}");
    for (i, (at, _)) in samples.iter().enumerate() {
        assert_eq!(*at, ms(250) * i as u32);
    }
    // The first call arrives later than the start (Poisson): nothing in progress at 0.
    assert_eq!(samples[0].1, 0.0);
    assert!(samples.iter().any(|&(_, v)| v > 0.0), "{samples:?}");
    let values: Vec<f64> = in_progress.into_inner().into_iter().map(f64::from).collect();
    assert_eq!(values, samples.iter().map(|&(_, v)| v).collect::<Vec<_>>());
    let text =
        |r: &resile::sim::Report| format!("{r:?}").replace(&format!("samples: {}", r.samples().len()), "samples");
    assert_eq!(text(&plain), text(&sampled), "sampling changed the run");
    assert_eq!((plain.latency_cdf(), plain.load()), (sampled.latency_cdf(), sampled.load()));
}

/// `svg::series` draws one line per series, with its name in the legend.
#[test]
fn series_plots_values_over_time() {
    let a = [(0.0, 20.0), (1.0, 30.0), (2.0, 40.0)];
    let b = [(0.0, 80.0), (2.0, 80.0)];
    let svg = resile::sim::svg::series("the limit over time", "calls", &[("vegas", &a), ("fixed", &b)]);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for text in ["the limit over time", "calls", "time (s)", "vegas", "fixed"] {
        assert!(svg.contains(text), "{text} missing");
    }
    // Each series: its line and its legend mark, in the palette's first two colours.
    for colour in ["#1F77B4", "#FF7F0E"] {
        assert_eq!(svg.matches(&format!("stroke=\"{colour}\"")).count(), 2, "{colour}: {svg}");
    }
}

/// A sample's time is when it was read: with an `every` below tokio's millisecond, the
/// reads fall on whole milliseconds, and say so.
#[tokio::test(start_paused = true)]
async fn a_sample_is_timed_when_it_was_read() {
    let sim =
        Simulation::new(Downstream::new().latency(Latency::fixed(ms(5)))).arrival_rate(100.0).duration(ms(20)).seed(1);
    let start = tokio::time::Instant::now();
    let report =
        sim.run_sampled(async |d| d.call().await, Duration::from_micros(400), || start.elapsed().as_secs_f64()).await;
    assert!(report.samples().len() > 20);
    for &(at, read) in report.samples() {
        assert_eq!(at.as_secs_f64(), read, "a sample's time is its read's");
    }
}
