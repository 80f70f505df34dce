//! Developer pages of a partner: API keys and sandbox usage, agents and
//! trust scores, API traffic, webhook subscriptions with their delivery
//! log, the API reference and receiver verification code; and the agents
//! page of a white-label customer.

use crate::api::integration::{
    get_agent, get_agents, get_customer_agents, get_developer, get_openapi, get_traffic, get_webhook, get_webhooks,
    CreateApiKey, CreateWebhook, DeveloperView, RevokeApiKey, RotateApiKey, SimulateEvents, SubscriptionDetail,
    WebhookAction,
};
use crate::domain::format::time_utc;
use crate::domain::integration::{
    format_bps as percent, ApiKeyView, DeliveryStatus, Environment, Grace, KeyStatus, Scope, TrafficSummary,
    TrustChange, EVENT_TYPES,
};
use crate::ui::components::form::{field_error, FormError, LastResult, Notice};
use crate::ui::pages::review::access_problem;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

const CARD: &str = "min-w-0 rounded-lg border border-slate-200 bg-white p-5";
const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2";
const BUTTON: &str = "rounded-md bg-brand px-4 py-2 text-sm font-semibold text-white hover:opacity-90";
const QUIET: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50";
const TH: &str = "px-2 py-2 text-left font-semibold";
const TD: &str = "px-2 py-2 align-top";

fn org_param() -> Option<i64> {
    use_query_map().read_untracked().get("org").and_then(|v| v.parse().ok())
}

/// Keeps `?org=` on links for staff looking at a partner.
fn with_org(path: &str, org: Option<i64>) -> String {
    match org {
        Some(o) if path.contains('?') => format!("{path}&org={o}"),
        Some(o) => format!("{path}?org={o}"),
        None => path.to_owned(),
    }
}

fn hidden_org(org: Option<i64>) -> impl IntoView {
    org.map(|o| view! { <input type="hidden" name="org" value=o.to_string()/> })
}

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

fn error_line(m: Option<String>) -> impl IntoView {
    m.map(|m| view! { <p class="mt-1 text-sm text-red-700" role="alert">{m}</p> })
}

/// The section's own navigation.
#[component]
fn DevNav(current: &'static str) -> impl IntoView {
    let org = org_param();
    let items = [
        ("/developers", "API keys"),
        ("/developers/agents", "Agents"),
        ("/developers/traffic", "Traffic"),
        ("/developers/webhooks", "Webhooks"),
        ("/developers/api", "API reference"),
        ("/developers/verify", "Verify your receiver"),
    ];
    view! {
        <nav aria-label="Developers" class="mb-5 flex flex-wrap gap-1 border-b border-slate-200 pb-2 text-sm">
            {items.into_iter().map(|(href, label)| {
                let class = if href == current {
                    "rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white"
                } else {
                    "rounded-md px-3 py-1.5 text-slate-700 hover:bg-slate-100"
                };
                let aria = (href == current).then_some("page");
                view! { <a href=with_org(href, org) class=class aria-current=aria>{label}</a> }
            }).collect_view()}
        </nav>
    }
}

// ---- API keys -----------------------------------------------------------------------

#[component]
pub fn DevelopersPage() -> impl IntoView {
    let location = use_location();
    let create = ServerAction::<CreateApiKey>::new();
    let rotate = ServerAction::<RotateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    // Only the address: every action lands on an address of its own, and a
    // second load would find the shown-once key already taken.
    let data = Resource::new(move || location.search.get(), |_| get_developer(org_param()));
    view! {
        <Title text="Developers"/>
        <h1 class="mb-1 text-2xl font-bold">"Developers"</h1>
        <DevNav current="/developers"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(v) => view! { <Keys v create rotate revoke/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Keys(
    v: DeveloperView,
    create: ServerAction<CreateApiKey>,
    rotate: ServerAction<RotateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let query = use_query_map();
    let org = org_param();
    let create_value: LastResult<()> = Signal::derive(move || create.value().get());
    let rotate_value: LastResult<()> = Signal::derive(move || rotate.value().get());
    let revoke_value: LastResult<()> = Signal::derive(move || revoke.value().get());
    let notice = move || {
        let q = query.read();
        if q.get("created").is_some() {
            Some("Key created.")
        } else if q.get("rotated").is_some() {
            Some("Key rotated. The old key keeps working until its end time.")
        } else if q.get("revoked").is_some() {
            Some("Key revoked. It stopped working at once.")
        } else {
            None
        }
    };
    let can_manage = v.can_manage;
    let production_refusal = v.production_refusal.clone();
    view! {
        <p class="mb-4 text-sm text-slate-600">{v.organisation.clone()} " · API keys authenticate your integration's calls to " <code>"/api/v1"</code> "."</p>
        {move || notice().map(|t| view! { <Notice text=t/> })}
        {v.new_key.clone().map(|(_, key)| view! {
            <section class="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-5" aria-labelledby="new-key-title">
                <h2 id="new-key-title" class="font-semibold">"Copy your new key now"</h2>
                <p class="mb-2 text-sm">"It is shown only this once; we keep only a hash of it."</p>
                <code class="block break-all rounded bg-white p-3 font-mono text-sm" data-testid="new-key">{key}</code>
            </section>
        })}
        <div class="mb-6 grid gap-4 sm:grid-cols-2">
            <section class=CARD aria-labelledby="usage">
                <h2 id="usage" class="mb-2 font-semibold">"Sandbox usage"</h2>
                <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                    <dt class="text-slate-600">"Agents"</dt>
                    <dd data-testid="sandbox-agents">{format!("{} of {}", v.sandbox_agents, v.agent_limit)}</dd>
                    <dt class="text-slate-600">"Events today"</dt>
                    <dd data-testid="sandbox-events">{format!("{} of {}", v.sandbox_events_today, v.event_limit)}</dd>
                    <dt class="text-slate-600">"Daily quota resets"</dt>
                    <dd>{time_utc(v.day_resets_at_ms)}</dd>
                    <dt class="text-slate-600">"Sandbox cleared"</dt>
                    <dd>{time_utc(v.week_resets_at_ms)} " (every Monday)"</dd>
                </dl>
            </section>
            <section class=CARD aria-labelledby="start">
                <h2 id="start" class="mb-2 font-semibold">"Try it"</h2>
                <pre class="overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100"><code>{"curl -H \"Authorization: Bearer $KEY\" \\\n  "}{"https://<this portal>/api/v1/agents"}</code></pre>
                <p class="mt-2 text-sm text-slate-600">"Your first sandbox key grants sandbox access; your first sandbox event ticks \"test in sandbox\" on your onboarding plan."</p>
            </section>
        </div>
        <section class=format!("{CARD} mb-6") aria-labelledby="keys">
            <h2 id="keys" class="mb-3 font-semibold">"Keys"</h2>
            <FormError value=rotate_value/>
            <FormError value=revoke_value/>
            {if v.keys.is_empty() {
                view! { <p class="text-sm text-slate-600">"No keys yet."</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                    <table class="w-full text-sm" data-testid="keys">
                        <thead class="border-b border-slate-200"><tr>
                            <th class=TH>"Name"</th><th class=TH>"Key"</th><th class=TH>"Environment"</th><th class=TH>"Scopes"</th>
                            <th class=TH>"Created"</th><th class=TH>"Last used"</th><th class=TH>"Status"</th>
                            {can_manage.then(|| view! { <th class=TH>"Actions"</th> })}
                        </tr></thead>
                        <tbody>
                            {v.keys.iter().cloned().map(|k| view! { <KeyRow k org can_manage rotate revoke/> }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any()
            }}
        </section>
        {can_manage.then(|| view! {
            <section class=CARD aria-labelledby="new-key">
                <h2 id="new-key" class="mb-3 font-semibold">"Create a key"</h2>
                <FormError value=create_value/>
                <ActionForm action=create>
                    {hidden_org(org)}
                    <div class="grid gap-3 sm:grid-cols-2">
                        <div>
                            <label for="key-name" class="block text-sm font-medium">"Name"</label>
                            <input id="key-name" name="name" class=INPUT placeholder="CI pipeline" required/>
                            {move || error_line(field_error(create_value, "name").get())}
                        </div>
                        <div>
                            <label for="key-env" class="block text-sm font-medium">"Environment"</label>
                            <select id="key-env" name="environment" class=INPUT>
                                <option value="sandbox">"Sandbox (pk_test_…)"</option>
                                <option value="production">"Production (pk_live_…)"</option>
                            </select>
                            {production_refusal.clone().map(|m| view! { <p class="mt-1 text-xs text-slate-500">{m}</p> })}
                            {move || error_line(field_error(create_value, "environment").get())}
                        </div>
                    </div>
                    <fieldset class="mt-3">
                        <legend class="text-sm font-medium">"Scopes"</legend>
                        <div class="mt-1 grid gap-1 sm:grid-cols-2">
                            {Scope::ALL.iter().map(|s| {
                                let name = s.key().replace(':', "_");
                                let checked = !matches!(s, Scope::WebhooksManage | Scope::CertificationRead);
                                view! {
                                    <label class="flex items-center gap-2 text-sm">
                                        <input type="checkbox" name=name value="on" checked=checked/>
                                        <span><code>{s.key()}</code> " · " {s.label()}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                        {move || error_line(field_error(create_value, "scopes").get())}
                    </fieldset>
                    <button type="submit" class=format!("{BUTTON} mt-4")>"Create key"</button>
                </ActionForm>
            </section>
        })}
    }
}

#[component]
fn KeyRow(
    k: ApiKeyView,
    org: Option<i64>,
    can_manage: bool,
    rotate: ServerAction<RotateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let status = match (k.status, k.expires_at_ms) {
        (KeyStatus::Expiring, Some(t)) => format!("Expiring {}", time_utc(t)),
        (s, _) => s.label().to_owned(),
    };
    let live = k.status == KeyStatus::Active;
    let usable = k.status.authenticates();
    let id = k.id.to_string();
    let id2 = id.clone();
    view! {
        <tr class="border-b border-slate-100" data-testid="key-row">
            <td class=TD>{k.name.clone()}</td>
            <td class=format!("{TD} font-mono text-xs")>{k.hint.clone()}</td>
            <td class=TD>{k.environment.label()}</td>
            <td class=format!("{TD} text-xs")>{k.scopes.iter().map(|s| s.key()).collect::<Vec<_>>().join(", ")}</td>
            <td class=format!("{TD} text-xs")>{time_utc(k.created_at_ms)} <br/> {k.created_by.clone()}</td>
            <td class=format!("{TD} text-xs")>{k.last_used_at_ms.map(time_utc).unwrap_or_else(|| "Never".into())}</td>
            <td class=TD data-testid="key-status">{status}</td>
            {can_manage.then(|| view! {
                <td class=TD>
                    {live.then(|| view! {
                        <ActionForm action=rotate attr:class="mb-1 flex items-center gap-1">
                            {hidden_org(org)}
                            <input type="hidden" name="id" value=id.clone()/>
                            <label class="sr-only" for=format!("grace-{id}")>"Old key works for"</label>
                            <select id=format!("grace-{id}") name="grace" class="rounded border border-slate-300 px-1 py-1 text-xs">
                                {Grace::ALL.iter().map(|g| view! { <option value=g.key() selected=*g == Grace::OneDay>{g.label()}</option> }).collect_view()}
                            </select>
                            <button type="submit" class=QUIET>"Rotate"</button>
                        </ActionForm>
                    })}
                    {usable.then(|| view! {
                        <ActionForm action=revoke>
                            {hidden_org(org)}
                            <input type="hidden" name="id" value=id2.clone()/>
                            <button type="submit" class="rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-800 hover:bg-red-50">"Revoke"</button>
                        </ActionForm>
                    })}
                </td>
            })}
        </tr>
    }
}

// ---- Agents -------------------------------------------------------------------------

fn env_param() -> Option<String> {
    use_query_map().read_untracked().get("env")
}

fn score_bar(score: i64) -> impl IntoView {
    let width = (score.clamp(0, 1000) as f64 / 10.0).round();
    let colour = if score >= 700 {
        "fill-emerald-600"
    } else if score >= 400 {
        "fill-amber-500"
    } else {
        "fill-red-600"
    };
    view! {
        <span class="inline-flex items-center gap-2">
            <strong data-testid="trust-score">{score}</strong>
            <svg viewBox="0 0 100 6" class="h-1.5 w-24" aria-hidden="true">
                <rect width="100" height="6" class="fill-slate-200"/>
                <rect width=width.to_string() height="6" class=colour/>
            </svg>
        </span>
    }
}

#[component]
pub fn AgentsPage() -> impl IntoView {
    let location = use_location();
    let simulate = ServerAction::<SimulateEvents>::new();
    let data = Resource::new(
        move || (location.search.get(), simulate.version().get()),
        |_| get_agents(org_param(), env_param()),
    );
    let simulate_value: LastResult<usize> = Signal::derive(move || simulate.value().get());
    let query = use_query_map();
    view! {
        <Title text="Agents"/>
        <h1 class="mb-1 text-2xl font-bold">"Developers"</h1>
        <DevNav current="/developers/agents"/>
        {move || query.read().get("simulated").map(|n| view! { <Notice text=format!("Simulated {n} events across your sandbox agents.")/> })}
        <FormError value=simulate_value/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(v) => {
                        let org = org_param();
                        let env = v.environment;
                        view! {
                            <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
                                <div class="flex gap-1 text-sm" role="group" aria-label="Environment">
                                    {Environment::ALL.iter().map(|e| {
                                        let class = if *e == env { "rounded-md bg-slate-900 px-3 py-1.5 text-white" } else { QUIET };
                                        view! { <a href=with_org(&format!("/developers/agents?env={}", e.key()), org) class=class>{e.label()}</a> }
                                    }).collect_view()}
                                </div>
                                {(v.can_manage && env == Environment::Sandbox).then(|| view! {
                                    <ActionForm action=simulate attr:class="flex items-end gap-2">
                                        {hidden_org(org)}
                                        <label class="text-sm">"Events"
                                            <input name="count" type="number" min="1" max="100" value="25" class="ml-1 w-20 rounded border border-slate-300 px-2 py-1"/>
                                        </label>
                                        <button type="submit" class=BUTTON>"Simulate events"</button>
                                    </ActionForm>
                                })}
                            </div>
                            {move || error_line(field_error(simulate_value, "count").get())}
                            {if v.agents.is_empty() {
                                view! { <p class="text-sm text-slate-600">"No agents in this environment yet. Register them with POST /api/v1/agents, or simulate events to create test agents."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="overflow-x-auto">
                                    <table class="w-full text-sm" data-testid="agents">
                                        <thead class="border-b border-slate-200"><tr>
                                            <th class=TH>"Agent"</th><th class=TH>"Trust score"</th><th class=TH>"Events"</th>
                                            <th class=TH>"Customer"</th><th class=TH>"Last change"</th>
                                        </tr></thead>
                                        <tbody>
                                            {v.agents.iter().map(|a| {
                                                let href = with_org(&format!("/developers/agents/{}?env={}", a.id, env.key()), org);
                                                view! {
                                                    <tr class="border-b border-slate-100" data-testid="agent-row">
                                                        <td class=TD><a class="font-medium text-brand underline" href=href>{a.name.clone()}</a><br/><code class="text-xs text-slate-500">{a.id.clone()}</code></td>
                                                        <td class=TD>{score_bar(a.trust_score)}</td>
                                                        <td class=TD>{a.events}</td>
                                                        <td class=TD>{a.customer.clone().unwrap_or_else(|| "—".into())}</td>
                                                        <td class=TD>{time_utc(a.updated_at_ms)}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    </div>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn history_table(history: Vec<TrustChange>) -> impl IntoView {
    view! {
        <table class="w-full text-sm" data-testid="trust-history">
            <thead class="border-b border-slate-200"><tr>
                <th class=TH>"When"</th><th class=TH>"Outcome"</th><th class=TH>"Score"</th><th class=TH>"Event id"</th>
            </tr></thead>
            <tbody>
                {history.into_iter().map(|h| {
                    let delta = h.score_after - h.score_before;
                    view! {
                        <tr class="border-b border-slate-100">
                            <td class=TD>{time_utc(h.at_ms)}</td>
                            <td class=TD>{h.outcome.label()}</td>
                            <td class=TD>{format!("{} → {} ({delta:+})", h.score_before, h.score_after)}</td>
                            <td class=format!("{TD} font-mono text-xs")>{h.event_id}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn AgentPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        |id| get_agent(org_param(), env_param(), id),
    );
    view! {
        <Title text="Agent"/>
        <DevNav current="/developers/agents"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok((a, history)) => view! {
                        <h1 class="mb-1 text-2xl font-bold">{a.name.clone()}</h1>
                        <p class="mb-4 text-sm text-slate-600"><code>{a.id.clone()}</code> " · " {a.environment.label()}
                            {a.external_ref.clone().map(|r| view! { " · your reference " <code>{r}</code> })}
                        </p>
                        <section class=format!("{CARD} mb-6")>
                            <h2 class="mb-2 font-semibold">"Trust score"</h2>
                            {score_bar(a.trust_score)}
                            <p class="mt-2 text-xs text-slate-500">"Rule: success +5, timeout −10, failure −20, policy violation −100; within 0–1000; new agents start at 500."</p>
                        </section>
                        <section class=CARD>
                            <h2 class="mb-2 font-semibold">"History"</h2>
                            {history_table(history)}
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

// ---- Traffic ------------------------------------------------------------------------

fn summary_card(title: &'static str, s: TrafficSummary, testid: &'static str) -> impl IntoView {
    // Shares and latencies of no requests are not zero; they do not exist.
    let none = s.requests == 0;
    let share = move |bps: i64| if none { "—".to_owned() } else { percent(bps) };
    let time = move |us: i64| if none { "—".to_owned() } else { millis(us) };
    view! {
        <section class=CARD data-testid=testid>
            <h2 class="mb-2 font-semibold">{title}</h2>
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
        </section>
    }
}

#[component]
pub fn TrafficPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_traffic(org_param()));
    view! {
        <Title text="API traffic"/>
        <h1 class="mb-1 text-2xl font-bold">"Developers"</h1>
        <DevNav current="/developers/traffic"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(v) => {
                        let max = v.hours.iter().map(|h| h.requests).max().unwrap_or(0).max(1);
                        let first_hour = v.now_ms.div_euclid(3_600_000) - 23;
                        let bars = (0..24).map(|i| {
                            let hour = first_hour + i;
                            let n: i64 = v.hours.iter().filter(|h| h.hour == hour).map(|h| h.requests).sum();
                            let height = (n as f64 / max as f64 * 60.0).round();
                            view! { <rect x=(i * 10 + 1).to_string() y=(60.0 - height).to_string() width="8" height=height.to_string() class="fill-brand"><title>{format!("{} requests in the hour from {}", n, time_utc(hour * 3_600_000))}</title></rect> }
                        }).collect_view();
                        let total: i64 = v.hours.iter().map(|h| h.requests).sum();
                        view! {
                            <p class="mb-4 text-sm text-slate-600">"The last 24 hours of calls to /api/v1 with your keys."</p>
                            <div class="mb-6 grid gap-4 sm:grid-cols-2">
                                {summary_card("Production", v.production.clone(), "traffic-production")}
                                {summary_card("Sandbox", v.sandbox.clone(), "traffic-sandbox")}
                            </div>
                            <section class=format!("{CARD} mb-6")>
                                <h2 class="mb-2 font-semibold">"Requests per hour"</h2>
                                <svg viewBox="0 0 240 60" preserveAspectRatio="none" class="h-24 w-full" role="img" aria-label=format!("{total} requests in the last 24 hours, busiest hour {max}")>
                                    {bars}
                                </svg>
                                <div class="mt-1 flex justify-between text-xs text-slate-500"><span>"24 hours ago"</span><span>"now"</span></div>
                            </section>
                            <section class=CARD>
                                <h2 class="mb-2 font-semibold">"Latest requests"</h2>
                                {if v.recent.is_empty() {
                                    view! { <p class="text-sm text-slate-600">"No requests yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="overflow-x-auto">
                                        <table class="w-full text-sm" data-testid="recent-requests">
                                            <thead class="border-b border-slate-200"><tr>
                                                <th class=TH>"When"</th><th class=TH>"Request"</th><th class=TH>"Status"</th><th class=TH>"Latency"</th><th class=TH>"Environment"</th>
                                            </tr></thead>
                                            <tbody>
                                                {v.recent.iter().map(|r| view! {
                                                    <tr class="border-b border-slate-100">
                                                        <td class=TD>{time_utc(r.at_ms)}</td>
                                                        <td class=format!("{TD} font-mono text-xs")>{format!("{} {}", r.method, r.route)}</td>
                                                        <td class=TD>{r.status}</td>
                                                        <td class=TD>{millis(r.latency_us)}</td>
                                                        <td class=TD>{r.environment.label()}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                        </div>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

// ---- Webhooks -----------------------------------------------------------------------

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let location = use_location();
    let create = ServerAction::<CreateWebhook>::new();
    let data = Resource::new(move || (location.search.get(), create.version().get()), |_| get_webhooks(org_param()));
    let create_value: LastResult<()> = Signal::derive(move || create.value().get());
    let query = use_query_map();
    view! {
        <Title text="Webhooks"/>
        <h1 class="mb-1 text-2xl font-bold">"Developers"</h1>
        <DevNav current="/developers/webhooks"/>
        {move || (query.read().get("done").as_deref() == Some("deleted")).then(|| view! { <Notice text="Subscription deleted."/> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(v) => {
                        let org = org_param();
                        view! {
                            <section class=format!("{CARD} mb-6")>
                                <h2 class="mb-3 font-semibold">"Subscriptions"</h2>
                                {if v.subscriptions.is_empty() {
                                    view! { <p class="text-sm text-slate-600">"No subscriptions yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="divide-y divide-slate-100 text-sm" data-testid="subscriptions">
                                            {v.subscriptions.iter().map(|s| view! {
                                                <li class="flex flex-wrap items-center justify-between gap-2 py-2">
                                                    <div>
                                                        <a class="font-medium text-brand underline" href=with_org(&format!("/developers/webhooks/{}", s.id), org)>{s.url.clone()}</a>
                                                        <p class="text-xs text-slate-600">{s.environment.label()} " · " {s.patterns.join(", ")}</p>
                                                    </div>
                                                    <span class=if s.active { "text-emerald-700" } else { "text-red-700" }>{if s.active { "Active" } else { "Disabled" }}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            {v.can_manage.then(|| view! {
                                <section class=CARD aria-labelledby="new-sub">
                                    <h2 id="new-sub" class="mb-3 font-semibold">"Add a subscription"</h2>
                                    <FormError value=create_value/>
                                    <ActionForm action=create>
                                        {hidden_org(org)}
                                        <label for="sub-url" class="block text-sm font-medium">"Receiver URL"</label>
                                        <input id="sub-url" name="url" class=INPUT placeholder="https://hooks.example.com/partner-portal" required/>
                                        {move || error_line(field_error(create_value, "url").get())}
                                        <div class="mt-3 grid gap-3 sm:grid-cols-2">
                                            <div>
                                                <label for="sub-patterns" class="block text-sm font-medium">"Events"</label>
                                                <input id="sub-patterns" name="patterns" class=INPUT value="trust.*, cert.*"/>
                                                <p class="mt-1 text-xs text-slate-500">{format!("*, a family such as trust.*, or names: {}", EVENT_TYPES.join(", "))}</p>
                                                {move || error_line(field_error(create_value, "patterns").get())}
                                            </div>
                                            <div>
                                                <label for="sub-env" class="block text-sm font-medium">"Environment"</label>
                                                <select id="sub-env" name="environment" class=INPUT>
                                                    <option value="sandbox">"Sandbox"</option>
                                                    <option value="production">"Production"</option>
                                                </select>
                                            </div>
                                        </div>
                                        <button type="submit" class=format!("{BUTTON} mt-4")>"Add subscription"</button>
                                    </ActionForm>
                                </section>
                            })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let act = ServerAction::<WebhookAction>::new();
    let data = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), location.search.get(), act.version().get()),
        |(id, ..)| get_webhook(org_param(), id),
    );
    let act_value: LastResult<()> = Signal::derive(move || act.value().get());
    let query = use_query_map();
    let notice = move || {
        query.read().get("done").map(|d| match d.as_str() {
            "rotated" => "Secret rotated. The old secret also signs for 24 hours.",
            "test" => "Test event queued; it appears in the log below within seconds.",
            "replayed" => "Delivery queued again.",
            "enabled" => "Subscription enabled.",
            "disabled" => "Subscription disabled; pending deliveries were cancelled.",
            _ => "Done.",
        })
    };
    view! {
        <Title text="Webhook"/>
        <h1 class="mb-1 text-2xl font-bold">"Developers"</h1>
        <DevNav current="/developers/webhooks"/>
        {move || query.read().get("created").map(|_| view! { <Notice text="Subscription added. Copy its signing secret below."/> })}
        {move || notice().map(|t| view! { <Notice text=t/> })}
        <FormError value=act_value/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(v) => view! { <Subscription v act/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Subscription(v: SubscriptionDetail, act: ServerAction<WebhookAction>) -> impl IntoView {
    let org = org_param();
    let s = v.subscription.clone();
    let id = s.id.clone();
    let button = move |action: &'static str, label: &'static str, danger: bool| {
        let id = id.clone();
        view! {
            <ActionForm action=act>
                {hidden_org(org)}
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="action" value=action/>
                <button type="submit" class=if danger { "rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-800 hover:bg-red-50" } else { QUIET }>{label}</button>
            </ActionForm>
        }
    };
    let can_manage = v.can_manage;
    let sub_id = s.id.clone();
    view! {
        <section class=format!("{CARD} mb-6")>
            <h2 class="mb-1 break-all font-semibold" data-testid="subscription-url">{s.url.clone()}</h2>
            <p class="mb-3 text-sm text-slate-600">{s.environment.label()} " · " {s.patterns.join(", ")} " · "
                <span data-testid="subscription-status">{if s.active { "Active".to_owned() } else { format!("Disabled{}", s.disabled_reason.clone().map(|r| format!(": {r}")).unwrap_or_default()) }}</span>
            </p>
            {v.secret.clone().map(|secret| view! {
                <details class="mb-3 text-sm">
                    <summary class="cursor-pointer font-medium">"Signing secret"</summary>
                    <code class="mt-1 block break-all rounded bg-slate-100 p-2 font-mono text-xs" data-testid="signing-secret">{secret}</code>
                    {s.rotating_until_ms.map(|t| view! { <p class="mt-1 text-xs text-slate-600">{format!("The previous secret also signs until {}.", time_utc(t))}</p> })}
                </details>
            })}
            {can_manage.then(|| view! {
                <div class="flex flex-wrap gap-2">
                    {s.active.then(|| button("test", "Send test event", false))}
                    {button("rotate", "Rotate secret", false)}
                    {if s.active { button("disable", "Disable", false).into_any() } else { button("enable", "Enable", false).into_any() }}
                    {button("delete", "Delete", true)}
                </div>
            })}
        </section>
        <section class=CARD aria-labelledby="log">
            <h2 id="log" class="mb-3 font-semibold">"Delivery log"</h2>
            {if v.deliveries.is_empty() {
                view! { <p class="text-sm text-slate-600">"Nothing delivered yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 text-sm" data-testid="deliveries">
                        {v.deliveries.into_iter().map(|line| {
                            let d = line.delivery;
                            let status = match (d.status, d.next_attempt_at_ms) {
                                (DeliveryStatus::Pending, Some(t)) if d.attempts > 0 => format!("Retrying at {}", time_utc(t)),
                                (s, _) => s.label().to_owned(),
                            };
                            let last = d.last_response_status.map(|c| format!("HTTP {c}")).or(d.last_error.clone()).unwrap_or_default();
                            let sub_id = sub_id.clone();
                            view! {
                                <li class="py-2" data-testid="delivery">
                                    <div class="flex flex-wrap items-center justify-between gap-2">
                                        <span><code>{d.event_type.clone()}</code> " · " <span data-testid="delivery-status">{status}</span> " · " {format!("{} attempt(s)", d.attempts)} " · " {last}</span>
                                        {can_manage.then(|| view! {
                                            <ActionForm action=act>
                                                {hidden_org(org)}
                                                <input type="hidden" name="id" value=sub_id/>
                                                <input type="hidden" name="action" value="replay"/>
                                                <input type="hidden" name="delivery" value=d.id.to_string()/>
                                                <button type="submit" class=QUIET>"Replay"</button>
                                            </ActionForm>
                                        })}
                                    </div>
                                    <details class="mt-1">
                                        <summary class="cursor-pointer text-xs text-slate-600">{format!("{} · {}", d.msg_id, time_utc(d.created_at_ms))}</summary>
                                        <pre class="mt-1 overflow-x-auto rounded bg-slate-100 p-2 text-xs">{line.payload}</pre>
                                        <table class="mt-1 w-full text-xs">
                                            <thead><tr><th class=TH>"#"</th><th class=TH>"When"</th><th class=TH>"Answer"</th><th class=TH>"Duration"</th><th class=TH>"Response"</th></tr></thead>
                                            <tbody>
                                                {line.attempts.into_iter().map(|a| view! {
                                                    <tr class="border-t border-slate-100">
                                                        <td class=TD>{a.attempt}</td>
                                                        <td class=TD>{time_utc(a.at_ms)}</td>
                                                        <td class=TD>{a.response_status.map(|c| format!("HTTP {c}")).unwrap_or_default()} " " {a.error.unwrap_or_default()}</td>
                                                        <td class=TD>{format!("{} ms", a.duration_ms)}</td>
                                                        <td class=format!("{TD} font-mono")>{a.response_body.unwrap_or_default()}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

// ---- Reference and verification -----------------------------------------------------

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let doc = Resource::new(|| (), |_| get_openapi());
    view! {
        <Title text="API reference"/>
        <h1 class="mb-1 text-2xl font-bold">"Developers"</h1>
        <DevNav current="/developers/api"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match doc.await {
                    Err(e) => access_problem(e),
                    Ok(text) => {
                        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                        let description = v["info"]["description"].as_str().unwrap_or_default().to_owned();
                        let mut ops = Vec::new();
                        if let Some(paths) = v["paths"].as_object() {
                            for (path, item) in paths {
                                if let Some(methods) = item.as_object() {
                                    for (method, op) in methods {
                                        ops.push((path.clone(), method.to_uppercase(), op.clone()));
                                    }
                                }
                            }
                        }
                        view! {
                            <p class="mb-4 max-w-3xl text-sm text-slate-700">{inline_code(&description)}</p>
                            <p class="mb-6 text-sm"><a class="text-brand underline" href="/api/v1/openapi.json">"OpenAPI 3 document (JSON)"</a></p>
                            <div class="space-y-4" data-testid="operations">
                                {ops.into_iter().map(|(path, method, op)| {
                                    let summary = op["summary"].as_str().or(op["description"].as_str()).unwrap_or_default().to_owned();
                                    let responses = op["responses"].as_object().map(|r| r.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
                                    let body = schema_name(&op["requestBody"]["content"]["application/json"]["schema"]);
                                    let answer = op["responses"].as_object().and_then(|r| {
                                        r.iter().find(|(code, _)| code.starts_with('2')).and_then(|(_, a)| schema_name(&a["content"]["application/json"]["schema"]))
                                    });
                                    view! {
                                        <section class=CARD>
                                            <h2 class="font-mono text-sm font-semibold"><span class="mr-2 rounded bg-slate-900 px-2 py-0.5 text-white">{method}</span>{path}</h2>
                                            <p class="mt-2 text-sm">{inline_code(&summary)}</p>
                                            {body.map(|b| schema_fields("Request body", &v, &b))}
                                            {answer.map(|b| schema_fields("Answer", &v, &b))}
                                            <p class="mt-2 text-xs text-slate-600">"Statuses: " {responses}</p>
                                        </section>
                                    }
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Text with `backticked` parts set as code.
fn inline_code(text: &str) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_owned();
            if i % 2 == 1 {
                view! { <code class="rounded bg-slate-100 px-1 text-xs">{part}</code> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}

/// The name of a `$ref`ed schema.
fn schema_name(schema: &serde_json::Value) -> Option<String> {
    schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()).map(str::to_owned)
}

/// A schema's fields: name, type and description, one line each.
fn schema_fields(title: &'static str, doc: &serde_json::Value, name: &str) -> impl IntoView {
    let schema = &doc["components"]["schemas"][name];
    let required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let fields: Vec<(String, String, String, bool)> = schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(k, p)| {
                    let kind = match (&p["type"], schema_name(p), schema_name(&p["items"])) {
                        (_, Some(r), _) => r,
                        (t, _, Some(item)) if t == "array" => format!("array of {item}"),
                        (serde_json::Value::String(t), ..) => t.clone(),
                        (serde_json::Value::Array(ts), ..) => {
                            ts.iter().filter_map(|t| t.as_str()).collect::<Vec<_>>().join(" or ")
                        }
                        _ => "object".to_owned(),
                    };
                    let about = p["description"].as_str().unwrap_or_default().to_owned();
                    (k.clone(), kind, about, required.contains(k))
                })
                .collect()
        })
        .unwrap_or_default();
    let one_of = schema["oneOf"].as_array().map(|_| "One of several shapes; see the description above.");
    view! {
        <div class="mt-2">
            <p class="text-xs font-semibold text-slate-700">{title} ": " <code>{name.to_owned()}</code></p>
            {one_of.map(|t| view! { <p class="text-xs text-slate-600">{t}</p> })}
            <ul class="mt-1 space-y-0.5 text-xs">
                {fields.into_iter().map(|(k, kind, about, req)| view! {
                    <li><code class="font-semibold">{k}</code> " " <span class="text-slate-500">{kind}{if req { "" } else { ", optional" }}</span>
                        {(!about.is_empty()).then(|| view! { " · " {inline_code(&about)} })}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

const RUST_VERIFY: &str = r#"// Cargo.toml: hmac = "0.12", sha2 = "0.10", base64 = "0.22"
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// True if any v1 signature in `webhook-signature` matches.
fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else { return false };
    let Ok(ts) = timestamp.parse::<i64>() else { return false };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    if (now - ts).abs() > 300 { return false; } // refuse replays older than 5 minutes
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    header.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|sig| {
        STANDARD.decode(sig).map(|s| s.len() == expected.len()
            && s.iter().zip(expected.iter()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0).unwrap_or(false)
    })
}"#;

const PYTHON_VERIFY: &str = r#"import base64, hashlib, hmac, time

def verify(secret: str, msg_id: str, timestamp: str, body: bytes, header: str) -> bool:
    """True if any v1 signature in the webhook-signature header matches."""
    if abs(time.time() - int(timestamp)) > 300:  # refuse replays older than 5 minutes
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(sig.removeprefix("v1,"), expected)
        for sig in header.split(" ") if sig.startswith("v1,")
    )

# Flask: verify(SECRET, request.headers["webhook-id"], request.headers["webhook-timestamp"],
#               request.get_data(), request.headers["webhook-signature"])"#;

const NODE_VERIFY: &str = r#"const crypto = require("node:crypto");

// True if any v1 signature in the webhook-signature header matches.
// `body` must be the raw request body (a Buffer), not re-serialised JSON.
function verify(secret, id, timestamp, body, header) {
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false; // replay window
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = crypto.createHmac("sha256", key)
    .update(`${id}.${timestamp}.`).update(body).digest();
  return header.split(" ").filter((s) => s.startsWith("v1,")).some((s) => {
    const sig = Buffer.from(s.slice(3), "base64");
    return sig.length === expected.length && crypto.timingSafeEqual(sig, expected);
  });
}

// Express: app.post("/hooks", express.raw({ type: "application/json" }), (req, res) => {
//   const h = req.headers;
//   if (!verify(SECRET, h["webhook-id"], h["webhook-timestamp"], req.body, h["webhook-signature"]))
//     return res.sendStatus(401);
//   res.sendStatus(204);
// });"#;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let sample = |title: &'static str, code: &'static str, id: &'static str| {
        view! {
            <section class=format!("{CARD} mb-4") aria-labelledby=id>
                <h2 id=id class="mb-2 font-semibold">{title}</h2>
                <pre class="overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid=id><code>{code}</code></pre>
            </section>
        }
    };
    view! {
        <Title text="Verify your receiver"/>
        <h1 class="mb-1 text-2xl font-bold">"Developers"</h1>
        <DevNav current="/developers/verify"/>
        <div class="mb-4 max-w-3xl space-y-2 text-sm text-slate-700">
            <p>"Every delivery is a POST with a JSON body " <code>"{\"type\", \"timestamp\", \"data\"}"</code> " and these headers (the Standard Webhooks specification):"</p>
            <ul class="list-disc pl-5">
                <li><code>"webhook-id"</code> ": the message id; the same on every retry and replay, so you can drop duplicates."</li>
                <li><code>"webhook-timestamp"</code> ": seconds since 1970; refuse messages more than five minutes old."</li>
                <li><code>"webhook-signature"</code> ": " <code>"v1,<base64 HMAC-SHA256 of id.timestamp.body>"</code> " under your secret's bytes (the base64 after " <code>"whsec_"</code> "). During a rotation it holds two signatures separated by a space; accept either."</li>
                <li><code>"X-Signature"</code> " (" <code>"sha256=<hex HMAC of timestamp.body>"</code> ") and " <code>"X-Event-Type"</code> " are sent too, for older receivers."</li>
            </ul>
            <p>"Answer with any 2xx within 10 seconds. Other answers are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; 410 Gone disables the subscription; redirects are not followed."</p>
        </div>
        {sample("Rust", RUST_VERIFY, "verify-rust")}
        {sample("Python", PYTHON_VERIFY, "verify-python")}
        {sample("Node.js", NODE_VERIFY, "verify-node")}
    }
}

// ---- White-label customers ----------------------------------------------------------

#[component]
pub fn CustomerAgentsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_customer_agents());
    view! {
        <Title text="Your agents"/>
        <h1 class="mb-4 text-2xl font-bold">"Your agents"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(list) if list.is_empty() => view! { <p class="text-sm text-slate-600">"No agents are assigned to you yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="grid gap-4 sm:grid-cols-2" data-testid="customer-agents">
                            {list.into_iter().map(|c| view! {
                                <section class=CARD data-testid="customer-agent">
                                    <h2 class="mb-1 font-semibold">{c.agent.name.clone()}</h2>
                                    <p class="mb-2 text-xs text-slate-500">{c.agent.environment.label()} " · " {if c.agent.events == 1 { "1 event".to_owned() } else { format!("{} events", c.agent.events) }}</p>
                                    {score_bar(c.agent.trust_score)}
                                    <h3 class="mb-1 mt-3 text-sm font-medium">"Recent changes"</h3>
                                    {history_table(c.recent)}
                                </section>
                            }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
