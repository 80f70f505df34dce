//! /developers/traffic: the last 24 hours of calls to the API with the
//! partner's keys.

use super::shared::{org_param, DevHeader};
use crate::api::integration::get_traffic;
use crate::domain::integration::{format_bps as percent, TrafficSummary};
use crate::ui::components::card::Card;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::TD_RULED;
use crate::ui::components::table::{DataTable, TableLook};
use crate::ui::components::time::{viewer_time, Time};
use leptos::prelude::*;
use leptos_meta::Title;

fn millis(us: i64) -> String {
    format!("{}.{} ms", us / 1000, (us % 1000) / 100)
}

/// A percentile read from latency buckets: their upper bound.
pub fn within(us: Option<i64>) -> String {
    match us {
        Some(us) => format!("{} ms", us / 1000),
        None => "over 1 s".to_owned(),
    }
}

fn summary_card(title: &'static str, s: TrafficSummary, testid: &'static str) -> impl IntoView {
    // Shares and latencies of no requests are not zero; they do not exist.
    let none = s.requests == 0;
    let share = move |bps: i64| if none { "—".to_owned() } else { percent(bps) };
    let time = move |us: i64| if none { "—".to_owned() } else { millis(us) };
    view! {
        <Card title heading="mb-2 font-semibold" testid>
            <dl class="grid grid-cols-2 gap-2 text-sm">
                <div><dt class="text-slate-600">"Requests"</dt><dd class="text-xl font-semibold" data-testid="requests">{s.requests}</dd></div>
                <div><dt class="text-slate-600">"Server errors"</dt><dd class="text-xl font-semibold">{share(10_000 - s.success_bps)}</dd></div>
                <div><dt class="text-slate-600">"Client errors (4xx)"</dt><dd class="text-xl font-semibold">{s.client_errors}</dd></div>
                <div><dt class="text-slate-600">"Mean latency"</dt><dd class="text-xl font-semibold">{time(s.mean_latency_us)}</dd></div>
                <div><dt class="text-slate-600">"Under 50 ms"</dt><dd class="text-xl font-semibold">{share(s.fast_bps)}</dd></div>
                <div><dt class="text-slate-600">"Slowest"</dt><dd class="text-xl font-semibold">{time(s.max_latency_us)}</dd></div>
                <div><dt class="text-slate-600">"Half answered within"</dt><dd class="text-xl font-semibold">{if none { "—".to_owned() } else { within(s.p50_us) }}</dd></div>
                <div><dt class="text-slate-600">"95 % answered within"</dt><dd class="text-xl font-semibold">{if none { "—".to_owned() } else { within(s.p95_us) }}</dd></div>
            </dl>
        </Card>
    }
}

#[component]
pub fn TrafficPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_traffic(org_param()));
    view! {
        <Title text="API traffic"/>
        <DevHeader current="/developers/traffic"/>
        <Loaded data let:v>
            {
                let max = v.hours.iter().map(|h| h.requests).max().unwrap_or(0).max(1);
                let first_hour = v.now_ms.div_euclid(3_600_000) - 23;
                let bars = (0..24).map(|i| {
                    let hour = first_hour + i;
                    let n: i64 = v.hours.iter().filter(|h| h.hour == hour).map(|h| h.requests).sum();
                    let height = (n as f64 / max as f64 * 60.0).round();
                    view! { <rect x=(i * 10 + 1).to_string() y=(60.0 - height).to_string() width="8" height=height.to_string() class="fill-brand"><title>{format!("{} requests in the hour from {}", n, viewer_time(hour * 3_600_000))}</title></rect> }
                }).collect_view();
                let total: i64 = v.hours.iter().map(|h| h.requests).sum();
                let recent = v.recent.iter().map(|r| view! {
                    <tr class="border-b border-slate-100">
                        <td class=TD_RULED><Time ms=r.at_ms/></td>
                        <td class=format!("{TD_RULED} font-mono text-xs")>{format!("{} {}", r.method, r.route)}</td>
                        <td class=TD_RULED>{r.status}</td>
                        <td class=TD_RULED>{millis(r.latency_us)}</td>
                        <td class=TD_RULED>{r.environment.label()}</td>
                    </tr>
                }).collect_view();
                view! {
                    <p class="mb-4 text-sm text-slate-600">"The last 24 hours of calls to /api/v1 with your keys."</p>
                    <div class="mb-6 grid gap-4 sm:grid-cols-2">
                        {summary_card("Production", v.production.clone(), "traffic-production")}
                        {summary_card("Sandbox", v.sandbox.clone(), "traffic-sandbox")}
                    </div>
                    <Card title="Requests per hour" heading="mb-2 font-semibold" margin="mb-6">
                        <svg viewBox="0 0 240 60" preserveAspectRatio="none" class="h-24 w-full" role="img" aria-label=format!("{total} requests in the last 24 hours, busiest hour {max}")>
                            {bars}
                        </svg>
                        <div class="mt-1 flex justify-between text-xs text-slate-500"><span>"24 hours ago"</span><span>"now"</span></div>
                    </Card>
                    <Card title="Latest requests" heading="mb-2 font-semibold">
                        <DataTable
                            look=TableLook::Ruled
                            testid="recent-requests"
                            empty="No requests yet."
                            head=vec!["When".into(), "Request".into(), "Status".into(), "Latency".into(), "Environment".into()]
                            rows=recent
                        />
                    </Card>
                }.into_any()
            }
        </Loaded>
    }
}
