//! The balance over time as an SVG chart, drawn on the server: no script, and it
//! scales to the width of a phone (a viewBox, no fixed size). Axes with the first
//! and last times (UTC) and the balance's scale, from zero to the highest balance,
//! with the lowest and highest balances marked.

use std::fmt::Write;

use redbank_domain::calendar::format_millis;
use redbank_domain::{Money, Transaction};

const W: f64 = 600.0;
const H: f64 = 220.0;
/// Room for the balance labels on the left, the times below, and a margin.
const LEFT: f64 = 84.0;
const BOTTOM: f64 = 28.0;
const PAD: f64 = 10.0;

/// The chart of `entries` (newest first, as history pages are), or a sentence when
/// there is nothing to draw.
pub fn balance_svg(entries: &[Transaction]) -> String {
    if entries.len() < 2 {
        return "<p>Not enough history for a chart yet.</p>".to_owned();
    }
    let points: Vec<(i64, i64)> =
        entries.iter().rev().map(|t| (t.create_time_millis, t.balance_after.minor())).collect();
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let top = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let (low, high) = (
        points.iter().min_by_key(|p| p.1).copied().unwrap_or(points[0]),
        points.iter().max_by_key(|p| p.1).copied().unwrap_or(points[0]),
    );
    let currency = entries[0].balance_after.currency();
    let money = |minor: i64| Money::from_minor(currency, minor).decimal();
    let span = (t1 - t0).max(1) as f64;
    let (plot_w, plot_h, base) = (W - LEFT - PAD, H - BOTTOM - PAD, H - BOTTOM);
    let at = |i: usize, (t, b): (i64, i64)| {
        // By time when the entries spread over time, else evenly.
        let x = if t1 > t0 { (t - t0) as f64 / span } else { i as f64 / (points.len() - 1) as f64 };
        (LEFT + x * plot_w, base - (b as f64 / top as f64) * plot_h)
    };
    let mut line = String::new();
    for (i, p) in points.iter().enumerate() {
        let (x, y) = at(i, *p);
        let _ = write!(line, "{}{x:.1},{y:.1}", if i == 0 { "" } else { " " });
    }
    let index = |p: (i64, i64)| points.iter().position(|q| *q == p).unwrap_or(0);
    let ((lx, ly), (hx, hy)) = (at(index(low), low), at(index(high), high));
    // Whole times when the entries span days; the time of day when they share one.
    let (first, last) = (format_millis(t0), format_millis(t1));
    let (first, last) = if first[..10] == last[..10] {
        (format!("{} {} UTC", &first[..10], &first[11..16]), format!("{} UTC", &last[11..16]))
    } else {
        (first[..10].to_owned(), last[..10].to_owned())
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-label=\"Balance over the last {n} entries, from {first} to {last}: lowest {lo}, highest {hi}, now {now}\" \
         xmlns=\"http://www.w3.org/2000/svg\" font-size=\"12\" fill=\"#57606a\">\
         <rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#fafbfc\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{PAD}\" x2=\"{LEFT}\" y2=\"{base}\" stroke=\"#8c959f\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#8c959f\"/>\
         <line x1=\"{LEFT}\" y1=\"{PAD}\" x2=\"{right}\" y2=\"{PAD}\" stroke=\"#d0d7de\" stroke-dasharray=\"4 4\"/>\
         <text class=\"y\" x=\"{ylab}\" y=\"{ytop}\" text-anchor=\"end\">{top_label}</text>\
         <text class=\"y\" x=\"{ylab}\" y=\"{ybase}\" text-anchor=\"end\">{zero}</text>\
         <text class=\"x\" x=\"{LEFT}\" y=\"{xlab}\" text-anchor=\"start\">{first}</text>\
         <text class=\"x\" x=\"{right}\" y=\"{xlab}\" text-anchor=\"end\">{last}</text>\
         <polyline fill=\"none\" stroke=\"#8b1a1a\" stroke-width=\"2\" points=\"{line}\"/>\
         <circle class=\"low\" cx=\"{lx:.1}\" cy=\"{ly:.1}\" r=\"4\" fill=\"#b42318\"><title>lowest {lo}</title></circle>\
         <circle class=\"high\" cx=\"{hx:.1}\" cy=\"{hy:.1}\" r=\"4\" fill=\"#1a7f37\"><title>highest {hi}</title></circle></svg>",
        n = entries.len(),
        right = W - PAD,
        ylab = LEFT - 6.0,
        ytop = PAD + 4.0,
        ybase = base + 4.0,
        xlab = H - 8.0,
        top_label = money(top),
        zero = money(0),
        lo = money(low.1),
        hi = money(high.1),
        now = entries[0].balance_after.decimal(),
    );
    svg
}
