//! Twelve months of commission as a bar chart.

use crate::api::revenue::Series;
use crate::domain::revenue::{format_money, Money};
use crate::ui::components::style::{TD_SHADED_MONEY, TD_SHADED_NOWRAP, TH_SHADED};
use leptos::prelude::*;

/// Twelve months of commission as bars, drawn on the server (readable
/// without JavaScript), with the same figures as a table for screen readers
/// and for anyone who prefers numbers.
#[component]
pub(super) fn TrendChart(series: Series, #[prop(default = "Commission")] what: &'static str) -> impl IntoView {
    let (w, h, pad, base_pad) = (720i64, 220i64, 40i64, 28i64);
    let values: Vec<i64> = series.points.iter().map(|(_, _, k)| *k).collect();
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let min = values.iter().copied().min().unwrap_or(0).min(0);
    let span = max - min;
    let plot_h = h - pad - base_pad;
    let y = |v: i64| pad + (max - v) * plot_h / span;
    let zero = y(0);
    let step = (w - 2 * pad) / series.points.len().max(1) as i64;
    let c = series.currency;
    let total: i64 = values.iter().sum();
    let label = format!(
        "{what} per month in {}, {} to {}: total {}; highest month {}.",
        c.code(),
        series.points.first().map(|p| p.0.label()).unwrap_or_default(),
        series.points.last().map(|p| p.0.label()).unwrap_or_default(),
        format_money(Money::new(total, c)),
        format_money(Money::new(max.max(0), c))
    );
    let points = series.points.clone();
    view! {
        <figure class="mb-2">
            <svg viewBox=format!("0 0 {w} {h}") class="w-full" role="img" aria-label=label.clone() data-testid="trend-chart">
                <title>{label.clone()}</title>
                <line x1=pad y1=zero x2=w - pad y2=zero stroke="#94a3b8" stroke-width="1"/>
                <line x1=pad y1=pad x2=w - pad y2=pad stroke="#e2e8f0" stroke-width="1" stroke-dasharray="4 4"/>
                <text x=pad y=pad - 8 font-size="11" fill="#475569">{format_money(Money::new(max, c))}</text>
                {points.iter().enumerate().map(|(i, (m, _, k))| {
                    let x = pad + i as i64 * step + step / 6;
                    let bw = step * 2 / 3;
                    let (top, height) = if *k >= 0 { (y(*k), zero - y(*k)) } else { (zero, y(*k) - zero) };
                    let fill = if *k >= 0 { "#2563eb" } else { "#dc2626" };
                    view! {
                        <g>
                            <rect x=x y=top width=bw height=height.max(if *k != 0 { 1 } else { 0 }) fill=fill>
                                <title>{format!("{}: {}", m.label(), format_money(Money::new(*k, c)))}</title>
                            </rect>
                            <text x=x + bw / 2 y=h - 8 text-anchor="middle" font-size="11" fill="#475569">{m.short()}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="text-xs text-slate-500">{format!("{what} by month, {}. Red bars are net clawbacks.", c.code())}</figcaption>
        </figure>
        <details class="mb-4 text-sm">
            <summary class="cursor-pointer text-brand">"Show the figures as a table"</summary>
            <table class="mt-2 text-sm">
                <thead><tr><th scope="col" class=TH_SHADED>"Month"</th><th scope="col" class=format!("{TH_SHADED} text-right")>"Revenue"</th><th scope="col" class=format!("{TH_SHADED} text-right")>{what}</th></tr></thead>
                <tbody>
                    {series.points.iter().map(|(m, r, k)| view! {
                        <tr><td class=TD_SHADED_NOWRAP>{m.label()}</td><td class=TD_SHADED_MONEY>{format_money(Money::new(*r, c))}</td><td class=TD_SHADED_MONEY>{format_money(Money::new(*k, c))}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}
