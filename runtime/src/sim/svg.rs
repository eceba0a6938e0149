//! SVG plots of reports: the latency CDF and the downstream load over time, one line per
//! configuration, and any values over time ([`series`], for a report's
//! [`samples`](super::Report::samples)), drawn with `plotters`' SVG backend.

use plotters::prelude::*;

use super::report::Report;

const SIZE: (u32, u32) = (900, 500);

/// The colours of the lines, in order (then again).
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// The latency CDF of each report, as an SVG document: latency on a logarithmic axis in
/// milliseconds, the fraction of calls at or below it from 0 to 1, one line per `(name,
/// report)`. Reports with no calls are left out.
pub fn cdf(reports: &[(&str, &Report)]) -> String {
    let series: Vec<(&str, Vec<(f64, f64)>)> = reports
        .iter()
        .filter(|(_, r)| r.calls > 0)
        .map(|(name, r)| {
            let points = r.latency_cdf().into_iter().map(|(d, f)| ((d.as_secs_f64() * 1e3).max(0.001), f)).collect();
            (*name, points)
        })
        .collect();
    let low = series.iter().flat_map(|(_, p)| p.first()).map(|p| p.0).fold(f64::INFINITY, f64::min);
    let high = series.iter().flat_map(|(_, p)| p.last()).map(|p| p.0).fold(0.0, f64::max);
    let (low, high) = if low.is_finite() && high > low { (low, high * 1.1) } else { (0.001, 1.0) };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let _ = root.fill(&WHITE);
        let chart = ChartBuilder::on(&root)
            .caption("latency CDF (every call, as its caller saw it)", ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d((low..high).log_scale(), 0.0..1.0);
        if let Ok(mut chart) = chart {
            let _ = chart.configure_mesh().x_desc("latency (ms, log scale)").y_desc("fraction of calls").draw();
            for (i, (name, points)) in series.into_iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                // A step line: each bucket's fraction holds until the next bucket.
                let mut steps = Vec::with_capacity(points.len() * 2);
                let mut previous = 0.0;
                for (x, y) in points {
                    steps.push((x, previous));
                    steps.push((x, y));
                    previous = y;
                }
                if let Ok(series) = chart.draw_series(LineSeries::new(steps, colour.stroke_width(2))) {
                    series
                        .label(name)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
                }
            }
            let _ = chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw();
        }
        let _ = root.present();
    }
    out
}

/// The load each report put on the downstream over time, as an SVG document: downstream
/// calls per second (attempts and hedges included) per slice of the run, one line per
/// `(name, report)`; a dashed grey line shows the arrival rate of the first report.
pub fn load(reports: &[(&str, &Report)]) -> String {
    let per_second = |n: u64, width: f64| if width > 0.0 { n as f64 / width } else { 0.0 };
    let series: Vec<(&str, Vec<(f64, f64)>)> = reports
        .iter()
        .map(|(name, r)| {
            let points = r
                .load()
                .iter()
                .map(|p| (p.at.as_secs_f64(), per_second(p.downstream_calls, p.width.as_secs_f64())))
                .collect();
            (*name, points)
        })
        .collect();
    let arrivals: Vec<(f64, f64)> = reports
        .first()
        .map(|(_, r)| {
            r.load().iter().map(|p| (p.at.as_secs_f64(), per_second(p.calls, p.width.as_secs_f64()))).collect()
        })
        .unwrap_or_default();
    let end = series.iter().flat_map(|(_, p)| p.last()).map(|p| p.0).fold(1.0, f64::max);
    let top = series.iter().flat_map(|(_, p)| p.iter()).map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let _ = root.fill(&WHITE);
        let chart = ChartBuilder::on(&root)
            .caption("load on the downstream", ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..end, 0.0..top);
        if let Ok(mut chart) = chart {
            let _ = chart.configure_mesh().x_desc("time (s)").y_desc("downstream calls per second").draw();
            let grey = RGBColor(150, 150, 150);
            if let Ok(series) = chart.draw_series(DashedLineSeries::new(arrivals, 6, 4, grey.stroke_width(1))) {
                series.label("arrivals").legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], grey));
            }
            for (i, (name, points)) in series.into_iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                if let Ok(series) = chart.draw_series(LineSeries::new(points, colour.stroke_width(2))) {
                    series
                        .label(name)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
                }
            }
            let _ = chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw();
        }
        let _ = root.present();
    }
    out
}

/// Any values over time, as an SVG document: one line per `(name, points)`, each point
/// `(seconds, value)` (a [`Report::samples`] with its times in seconds, say), under
/// `title`, with `y_label` on the vertical axis. The vertical axis starts at 0 and ends a
/// tenth above the highest value; the legend is at the upper left. Points that are not
/// finite are left out.
///
/// ```
/// # use resile_runtime as resile;
/// let limit = [(0.0, 20.0), (1.0, 26.0), (2.0, 32.0)];
/// let svg = resile::sim::svg::series("the limit", "calls", &[("vegas", &limit)]);
/// assert!(svg.starts_with("<svg") && svg.contains("vegas"));
/// ```
pub fn series(title: &str, y_label: &str, lines: &[(&str, &[(f64, f64)])]) -> String {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let end = lines.iter().flat_map(|(_, p)| p.iter().filter(finite)).map(|p| p.0).fold(1.0, f64::max);
    let top = lines.iter().flat_map(|(_, p)| p.iter().filter(finite)).map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let _ = root.fill(&WHITE);
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..end, 0.0..top);
        if let Ok(mut chart) = chart {
            let _ = chart.configure_mesh().x_desc("time (s)").y_desc(y_label).draw();
            for (i, (name, points)) in lines.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                let points = points.iter().filter(finite).copied();
                if let Ok(series) = chart.draw_series(LineSeries::new(points, colour.stroke_width(2))) {
                    series
                        .label(*name)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
                }
            }
            let _ = chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw();
        }
        let _ = root.present();
    }
    out
}
