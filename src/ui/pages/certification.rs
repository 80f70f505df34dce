//! The certification page (partner and staff) and the managers' overview.

use crate::api::certification::{
    get_certification, get_certification_overview, CertView, FireCertificationEvent, Waiting,
};
use crate::domain::certification::{needs_note, needs_sandbox, next_level, CertEvent, CertState};
use crate::domain::format::days_waiting;
use crate::ui::components::card::Card;
use crate::ui::components::form::{drafted, invalid_when, successes, FieldMessage, Form, FormError, LastResult};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{CARD, INPUT, TD_BOXED, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, Frame, Head, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// Where each state sits in the diagram (column, row).
fn position(s: CertState) -> (i32, i32) {
    match s {
        CertState::Registered => (0, 0),
        CertState::Development => (1, 0),
        CertState::Testing => (2, 0),
        CertState::Review => (3, 0),
        CertState::Certified => (4, 0),
        CertState::Listed => (4, 1),
        CertState::Featured => (3, 1),
        CertState::Premier => (2, 1),
        CertState::Recertification => (4, 2),
        CertState::Suspended => (3, 2),
    }
}

const EDGES: &[(CertState, CertState)] = &[
    (CertState::Registered, CertState::Development),
    (CertState::Development, CertState::Testing),
    (CertState::Testing, CertState::Review),
    (CertState::Review, CertState::Certified),
    (CertState::Certified, CertState::Listed),
    (CertState::Listed, CertState::Featured),
    (CertState::Featured, CertState::Premier),
    (CertState::Listed, CertState::Recertification),
    (CertState::Recertification, CertState::Suspended),
];

/// The state diagram, drawn on the server as SVG (readable without
/// JavaScript; the current state is named in text too).
#[component]
fn Diagram(current: CertState) -> impl IntoView {
    let (w, h, gx, gy) = (120, 36, 150, 70);
    let centre = |s: CertState| {
        let (c, r) = position(s);
        (c * gx + 10 + w / 2, r * gy + 10 + h / 2)
    };
    view! {
        <svg viewBox="0 0 744 200" class="w-full max-w-3xl" role="img" aria-label=format!("Certification states; current: {}", current.label())>
            {EDGES.iter().map(|(a, b)| {
                let ((x1, y1), (x2, y2)) = (centre(*a), centre(*b));
                view! { <line x1=x1 y1=y1 x2=x2 y2=y2 stroke="#94a3b8" stroke-width="2"/> }
            }).collect_view()}
            {CertState::ALL.iter().map(|s| {
                let (c, r) = position(*s);
                let (x, y) = (c * gx + 10, r * gy + 10);
                let on = *s == current;
                view! {
                    <g>
                        <rect x=x y=y width=w height=h rx="8" fill=if on { "#1d4ed8" } else { "#ffffff" } stroke=if on { "#1d4ed8" } else { "#94a3b8" } stroke-width="2"/>
                        <text x=x + w / 2 y=y + 23 text-anchor="middle" font-size="13" fill=if on { "#ffffff" } else { "#0f172a" } font-weight=if on { "700" } else { "400" }>{s.label()}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[component]
pub fn CertificationPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let fire = ServerAction::<FireCertificationEvent>::new();
    let value: LastResult<()> = Signal::derive(move || fire.value().get());
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let fired = successes(fire);
    let data = Resource::new(move || (org(), location.search.get(), fired.get()), |(o, _, _)| get_certification(o));
    view! {
        <Title text="Certification"/>
        <FormError value/>
        <Loaded data let:v>
            {
                let back = match org() {
                    Some(o) => format!("/certification?org={o}"),
                    None => "/certification".to_owned(),
                };
                view! { <Certification view=v fire value back/> }.into_any()
            }
        </Loaded>
    }
}

#[component]
fn Certification(
    view: CertView,
    fire: ServerAction<FireCertificationEvent>,
    value: LastResult<()>,
    back: String,
) -> impl IntoView {
    let v = view;
    view! {
        <h1 class="mb-1 text-2xl font-bold">"Certification"</h1>
        <p class="mb-4 text-sm text-slate-600">{v.organisation.clone()}</p>
        <div class="mb-6 grid gap-4 lg:grid-cols-3">
            <section class=format!("{CARD} lg:col-span-2")>
                <p class="mb-2 text-sm">"Current state: " <strong data-testid="cert-state">{v.state.label()}</strong>
                    <span class="text-slate-500">" since " <Time ms=v.state_since_ms/></span>
                    {v.interrupted.map(|s| view! { <span class="text-slate-500">{format!(" (returns to {} when passed)", s.label())}</span> })}
                </p>
                <Diagram current=v.state/>
                <p class="mt-3 text-sm text-slate-700">{v.next_step.clone()}</p>
            </section>
            <section class=CARD aria-labelledby="tier">
                <h2 id="tier" class="mb-1 font-semibold">"Support tier: " <span data-testid="support-tier">{v.tier.label()}</span></h2>
                <p class="text-sm text-slate-700">{format!("First response within {} hours.", v.tier.response_hours())}</p>
                <p class="mt-1 text-sm text-slate-600">{v.tier.benefits()}</p>
            </section>
        </div>
        {(!v.allowed.is_empty()).then(|| view! {
            <Card title="Actions" id="actions" margin="mb-6">
                <div class="grid gap-4 md:grid-cols-2">
                    {v.allowed.iter().map(|e| {
                        let e = *e;
                        let org = v.organisation_id.to_string();
                        let version = v.version.to_string();
                        let back = back.clone();
                        let submit = e == CertEvent::SubmittedForReview;
                        let note_id = format!("note-{}", e.key());
                        view! {
                            <Form action=fire key=e.key() anchored=false banner=false>
                                <input type="hidden" name="org" value=org/>
                                <input type="hidden" name="version" value=version/>
                                <input type="hidden" name="event" value=e.key()/>
                                <input type="hidden" name="back" value=back/>
                                {if submit {
                                    view! {
                                        <label for=note_id.clone() class="block text-sm font-medium">"Evidence: notes, links, sandbox test results"</label>
                                        <textarea id=note_id name="evidence" rows="3" class=INPUT
                                            aria-invalid=invalid_when(value, "evidence").0 aria-describedby=invalid_when(value, "evidence").1 autofocus=invalid_when(value, "evidence").2>{drafted("evidence")}</textarea>
                                        <input type="hidden" name="note" value=""/>
                                        <FieldMessage value field="evidence"/>
                                    }.into_any()
                                } else {
                                    view! {
                                        <label for=note_id.clone() class="block text-sm font-medium">{if needs_note(e) { "Note (required, sent to the partner)" } else { "Note (optional)" }}</label>
                                        <textarea id=note_id name="note" rows="2" class=INPUT
                                            aria-invalid=invalid_when(value, "note").0 aria-describedby=invalid_when(value, "note").1 autofocus=invalid_when(value, "note").2>{drafted("note")}</textarea>
                                        <input type="hidden" name="evidence" value=""/>
                                        <FieldMessage value field="note"/>
                                    }.into_any()
                                }}
                                <button type="submit" class="mt-2 rounded-md bg-brand px-4 py-2 text-sm font-semibold text-white">{e.label()}</button>
                            </Form>
                        }
                    }).collect_view()}
                </div>
            </Card>
        })}
        <Card title="Timeline" id="timeline">
            {if v.timeline.is_empty() {
                view! { <p class="text-sm text-slate-600">"No transitions yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="space-y-3 text-sm" data-testid="timeline">
                        {v.timeline.iter().rev().map(|t| view! {
                            <li class="border-l-2 border-brand pl-3">
                                <p><strong>{t.from.label()} " → " {t.to.label()}</strong> <span class="text-slate-500">{format!(" · {} · {} · ", t.event.label(), t.actor)} <Time ms=t.at_ms/></span></p>
                                {(!t.note.is_empty()).then(|| view! { <p class="whitespace-pre-wrap">{t.note.clone()}</p> })}
                                {(!t.evidence.is_empty()).then(|| view! { <p class="whitespace-pre-wrap text-slate-600">"Evidence: " {t.evidence.clone()}</p> })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </Card>
    }
}

/// Rows of partners waiting in a state, with how long they have waited.
fn waiting_rows(list: Vec<Waiting>, now: i64) -> Vec<impl IntoView> {
    list.into_iter()
        .map(|w| {
            view! {
                <tr>
                    <td class=TD_BOXED_NOWRAP><a class="text-brand underline" href=format!("/certification?org={}", w.organisation_id)>{w.organisation}</a></td>
                    <td class=TD_BOXED_NOWRAP>{w.state.label()}</td>
                    <td class=TD_BOXED_NOWRAP>{days_waiting(w.since_ms, now)}</td>
                </tr>
            }
        })
        .collect_view()
}

#[component]
pub fn CertificationOverviewPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_certification_overview());
    let head = || -> Vec<Head> { vec!["Partner".into(), "State".into(), "Waiting".into()] };
    view! {
        <Title text="Certification"/>
        <h1 class="mb-4 text-2xl font-bold">"Certification"</h1>
        <Loaded data let:o>
            {
                let now = o.now_ms;
                let funnel = o.funnel.into_iter().map(|(s, n, d)| view! {
                    <tr>
                        <td class=TD_BOXED>{s.label()}</td>
                        <td class=TD_BOXED>{n}</td>
                        <td class=TD_BOXED>{d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }).collect_view();
                view! {
                    <h2 class="mb-2 text-lg font-semibold">"Submissions to review"</h2>
                    <DataTable
                        look=TableLook::Boxed
                        margin="mb-6"
                        testid="cert-review-queue"
                        empty="Nothing is waiting for review."
                        head=head()
                        rows=waiting_rows(o.review, now)
                    />
                    {(!o.stale_recertifications.is_empty()).then(|| view! {
                        <h2 class="mb-2 text-lg font-semibold text-red-800">"Recertifications open for more than 60 days"</h2>
                        <DataTable look=TableLook::Boxed frame=Frame::Alert margin="mb-6" head=head() rows=waiting_rows(o.stale_recertifications, now)/>
                    })}
                    <h2 class="mb-2 text-lg font-semibold">"Funnel"</h2>
                    <DataTable
                        look=TableLook::Boxed
                        margin="mb-6"
                        testid="funnel"
                        head=vec!["State".into(), "Partners now".into(), "Median days spent".into()]
                        rows=funnel
                    />
                    <h2 class="mb-2 text-lg font-semibold">"Longest in their current state"</h2>
                    <DataTable look=TableLook::Boxed head=head() rows=waiting_rows(o.longest_waiting, now)/>
                }.into_any()
            }
        </Loaded>
    }
}

/// The partner's certification state and support tier, for the home page.
#[component]
pub fn CertificationCard(data: Resource<Result<CertView, crate::error::AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                data.await.ok().map(|v| view! {
                    <section class="mb-8 rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="cert-card">
                        <div class="flex flex-wrap items-baseline justify-between gap-2">
                            <h2 id="cert-card" class="text-lg font-semibold">"Certification: " {v.state.label()}</h2>
                            <a href="/certification" class="text-sm text-brand underline">"Details"</a>
                        </div>
                        <p class="text-sm text-slate-700">
                            {v.next_step.clone()}
                            {needs_sandbox(v.state).then(|| view! {
                                " " <a href="/developers" class="text-brand underline">"Sandbox keys on Developers"</a>
                            })}
                        </p>
                        {next_level(v.state).map(|(to, needs, tier)| view! {
                            <p class="mt-2 text-sm" data-testid="next-level">
                                "Next level: " <strong>{to.label()}</strong> {format!(", which needs {needs}")}
                                {(tier != v.tier).then(|| format!(", and brings the {} support tier (first response within {} hours).", tier.label(), tier.response_hours()))}
                                {(tier == v.tier).then_some(".")}
                            </p>
                        })}
                        <p class="mt-2 text-sm" data-testid="home-support-tier">
                            "Support tier: " <strong>{v.tier.label()}</strong>
                            {format!(" · first response within {} hours · {}", v.tier.response_hours(), v.tier.benefits())}
                        </p>
                    </section>
                })
            })}
        </Suspense>
    }
}
