//! One partner for program staff: the header and tabs that every staff
//! view of a partner's pages carries (so a manager always sees whose page it
//! is), and the overview behind the first tab.

use crate::api::partners::{get_partner_header, get_partner_overview, PartnerHeader, PartnerOverview};
use crate::domain::navigation::{current_tab, partner_tabs, PartnerFacts};
use crate::domain::revenue::format_totals;
use crate::domain::role::OrgRole;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::progress::ProgressBar;
use crate::ui::components::style::{TD_BOXED, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, TableLook};
use crate::ui::components::time::Time;
use crate::ui::resources::UserResource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// Above a partner's own page opened by staff (`?org=`): whose page it is,
/// and the partner's other tabs. Nothing for anyone else; the server is
/// asked only for staff (a refusal while the page renders would set the
/// page's status).
#[component]
pub fn PartnerBar() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let query = use_query_map();
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let header = Resource::new(org, move |o| async move {
        let Some(o) = o else { return Ok(None) };
        match user.await {
            Ok(Some(u)) if u.role.is_staff() => get_partner_header(o).await.map(Some),
            _ => Ok(None),
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                header.await.ok().flatten().map(|h| view! { <PartnerHead header=h heading=false/> })
            })}
        </Transition>
    }
}

/// The partner's name, type, model, tier, state, owner and year-to-date
/// figures, then its tabs. On the overview the name is the page's heading.
#[component]
fn PartnerHead(header: PartnerHeader, heading: bool) -> impl IntoView {
    let location = use_location();
    let facts = PartnerFacts {
        builds: header.builds,
        funds: header.funds,
        white_label: header.white_label,
        audit: header.audit,
    };
    let tabs = partner_tabs(header.organisation_id, facts);
    let name = header.organisation.clone();
    let title = if heading {
        view! { <h1 class="text-2xl font-bold" data-testid="partner-name">{name}</h1> }.into_any()
    } else {
        view! { <p class="text-xl font-bold" data-testid="partner-name">{name}</p> }.into_any()
    };
    let badges = [
        header.kind.clone(),
        header.model.clone(),
        format!("{} state", header.state.label()),
        format!("{} tier", header.tier.label()),
    ];
    view! {
        <section class="mb-6 rounded-lg border border-slate-200 bg-white p-4" aria-label="Partner" data-testid="partner-header">
            <p class="text-xs font-semibold uppercase tracking-wide text-slate-600">"Partner, as program staff see it"</p>
            <div class="mt-1 flex flex-wrap items-baseline gap-x-3 gap-y-1">
                {title}
                <ul class="flex flex-wrap gap-1 text-xs">
                    {badges.into_iter().filter(|b| !b.is_empty()).map(|b| view! {
                        <li class="rounded bg-slate-100 px-2 py-0.5 text-slate-800">{b}</li>
                    }).collect_view()}
                </ul>
            </div>
            <dl class="mt-2 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-3">
                <div>
                    <dt class="text-slate-600">"Owner"</dt>
                    <dd>{match header.owner.clone() {
                        Some((n, e)) => view! { {n} " · " <a class="break-all text-brand underline" href=format!("mailto:{e}")>{e.clone()}</a> }.into_any(),
                        None => "No owner".into_any(),
                    }}</dd>
                </div>
                <div>
                    <dt class="text-slate-600">{format!("Revenue in {}", header.year)}</dt>
                    <dd class="tabular-nums" data-testid="partner-revenue">{format_totals(&header.revenue_ytd, "None yet")}</dd>
                </div>
                <div>
                    <dt class="text-slate-600">{format!("Commission in {}", header.year)}</dt>
                    <dd class="tabular-nums">{format_totals(&header.commission_ytd, "None yet")}</dd>
                </div>
            </dl>
            <nav class="mt-3 border-t border-slate-100 pt-2" aria-label="Partner pages">
                <ul class="flex flex-wrap gap-1">
                    {move || {
                        let path = location.pathname.get();
                        let here = current_tab(&tabs, &path).map(|t| t.href.clone());
                        tabs.iter().cloned().map(|t| {
                            let current = here.as_deref() == Some(t.href.as_str());
                            view! {
                                <li>
                                    <a
                                        href=t.href
                                        class=if current { TAB_CURRENT } else { TAB }
                                        aria-current=current.then_some("page")
                                    >{t.label}</a>
                                </li>
                            }
                        }).collect_view()
                    }}
                </ul>
            </nav>
        </section>
    }
}

const TAB: &str = "block rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100";
const TAB_CURRENT: &str = "block rounded-md bg-slate-100 px-3 py-1.5 text-sm font-semibold text-slate-900 underline \
                           decoration-2 underline-offset-4";

#[component]
pub fn PartnerOverviewPage() -> impl IntoView {
    let params = use_params_map();
    let org = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let data = Resource::new(org, get_partner_overview);
    view! {
        <Loaded data let:o>
            {view! { <Overview o/> }.into_any()}
        </Loaded>
    }
}

#[component]
fn Overview(o: PartnerOverview) -> impl IntoView {
    let org = o.header.organisation_id;
    let members = o
        .members
        .iter()
        .filter(|m| !m.removed)
        .cloned()
        .map(|m| {
            view! {
                <tr>
                    <td class=TD_BOXED_NOWRAP>{m.display_name}</td>
                    <td class=TD_BOXED>{m.email}</td>
                    <td class=TD_BOXED_NOWRAP>{if m.org_role == OrgRole::Owner { "Owner" } else { "Member" }}</td>
                </tr>
            }
        })
        .collect_view();
    let timeline = o
        .timeline
        .iter()
        .map(|t| {
            view! {
                <li class="py-1.5">
                    <span class="tabular-nums text-slate-600"><Time ms=t.at_ms date=true/></span>
                    " · " {format!("{} → {}", t.from.label(), t.to.label())}
                    <span class="text-slate-600">{format!(" · {}", t.actor)}</span>
                    {(!t.note.is_empty()).then(|| view! { <span class="block text-slate-700">{t.note.clone()}</span> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <Title text=format!("{} · Partner", o.header.organisation)/>
        <PartnerHead header=o.header.clone() heading=true/>
        <div class="grid gap-4 md:grid-cols-3">
            <section class="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="ov-plan">
                <h2 id="ov-plan" class="mb-2 font-semibold">"Onboarding"</h2>
                {match o.plan {
                    Some(p) => view! {
                        <p class="mb-1 text-sm" data-testid="overview-plan">{format!("{} % · {} of {} done", p.percent(), p.done, p.total)}
                            {(p.overdue > 0).then(|| view! { <span class="ml-2 rounded bg-red-100 px-2 py-0.5 text-xs text-red-800">{format!("{} overdue", p.overdue)}</span> })}
                        </p>
                        <ProgressBar percent=p.percent() label="Onboarding progress"/>
                    }.into_any(),
                    None => view! { <p class="text-sm text-slate-600">"No onboarding plan."</p> }.into_any(),
                }}
                {o.approved_at_ms.map(|a| view! { <p class="mt-2 text-xs text-slate-600">"Approved on " <Time ms=a date=true/></p> })}
                <a class="mt-2 inline-block text-sm text-brand underline" href=format!("/plan?org={org}")>"Open the plan"</a>
            </section>
            <section class="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="ov-support">
                <h2 id="ov-support" class="mb-2 font-semibold">"Support"</h2>
                <p class="text-sm" data-testid="overview-tickets">{match o.open_tickets {
                    0 => "No open tickets.".to_owned(),
                    1 => "1 open ticket".to_owned(),
                    n => format!("{n} open tickets"),
                }}</p>
                {(o.breached_tickets > 0).then(|| view! {
                    <p class="mt-1 text-sm font-semibold text-red-800">{format!("{} past the response target", o.breached_tickets)}</p>
                })}
                <a class="mt-2 inline-block text-sm text-brand underline" href=format!("/support?org={org}")>"Open the tickets"</a>
            </section>
            <section class="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="ov-cert">
                <h2 id="ov-cert" class="mb-2 font-semibold">"Certification"</h2>
                <p class="text-sm">{format!("{} · {} support tier", o.header.state.label(), o.header.tier.label())}</p>
                {if o.timeline.is_empty() {
                    view! { <p class="mt-1 text-sm text-slate-600">"No steps yet."</p> }.into_any()
                } else {
                    view! { <ol class="mt-1 divide-y divide-slate-100 text-sm" data-testid="overview-timeline">{timeline}</ol> }.into_any()
                }}
            </section>
        </div>
        <section class="mt-6" aria-labelledby="ov-team">
            <h2 id="ov-team" class="mb-2 text-lg font-semibold">"Team"</h2>
            <DataTable
                look=TableLook::Boxed
                testid="overview-team"
                label="Team members"
                head=vec!["Name".into(), "Email".into(), "Role".into()]
                rows=vec![members]
            />
            {(!o.invitations.is_empty()).then(|| view! {
                <p class="mt-2 text-sm text-slate-700">{format!("Invited, not yet joined: {}", o.invitations.iter().map(|i| i.email.clone()).collect::<Vec<_>>().join(", "))}</p>
            })}
        </section>
    }
}
