//! The balance over time as an SVG line, drawn on the server: no script, and it
//! scales to the width of a phone (a viewBox, no fixed size).

use std::fmt::Write;

use redbank_domain::Transaction;

const W: f64 = 600.0;
const H: f64 = 200.0;
const PAD: f64 = 8.0;

/// The chart of `entries` (newest first, as history pages are), or a sentence when
/// there is nothing to draw.
pub fn balance_svg(entries: &[Transaction]) -> String {
    if entries.len() < 2 {
        return "<p>Not enough history for a chart yet.</p>".to_owned();
    }
    let points: Vec<(i64, i64)> =
        entries.iter().rev().map(|t| (t.create_time_millis, t.balance_after.minor())).collect();
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let span = (t1 - t0).max(1) as f64;
    let mut line = String::new();
    for (i, (t, b)) in points.iter().enumerate() {
        // By time when the entries spread over time, else evenly.
        let x = if t1 > t0 { (*t - t0) as f64 / span } else { i as f64 / (points.len() - 1) as f64 };
        let x = PAD + x * (W - 2.0 * PAD);
        let y = H - PAD - (*b as f64 / max as f64) * (H - 2.0 * PAD);
        let _ = write!(line, "{}{x:.1},{y:.1}", if i == 0 { "" } else { " " });
    }
    let last = entries[0].balance_after.decimal();
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Balance over the last {n} entries, now {last}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#fafbfc\"/>\
         <line x1=\"{PAD}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#d0d7de\"/>\
         <polyline fill=\"none\" stroke=\"#8b1a1a\" stroke-width=\"2\" points=\"{line}\"/></svg>",
        n = entries.len(),
        base = H - PAD,
        right = W - PAD,
    )
}
