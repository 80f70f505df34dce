//! The onboarding plan, the managers' overview of every partner's progress,
//! and the admins' template editor.

use crate::api::partners::{
    get_onboarding_plan, get_partners_overview, get_plan_template, AddTemplateItem, PlanView, RemoveTemplateItem,
    SetPlanItem,
};
use crate::domain::format::time_utc;
use crate::domain::onboarding::{next_steps, Binding, Phase, PlanItem, PARTNER_COLUMNS};
use crate::domain::terms::format_bps;
use crate::ui::components::form::{
    drafted, invalid_when, successes, FieldMessage, Form, FormError, LastResult, Notice,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::pager::Pager;
use crate::ui::components::progress::ProgressBar;
use crate::ui::components::style::{TD_BOXED, TD_BOXED_FIGURE, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, Head, ListChoices, SearchBox, TableLook};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

fn day(ms: i64) -> String {
    time_utc(ms).split(' ').next().unwrap_or_default().to_owned()
}

#[component]
pub fn PlanPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let tick = ServerAction::<SetPlanItem>::new();
    let tick_value: LastResult<()> = Signal::derive(move || tick.value().get());
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let plan =
        Resource::new(move || (org(), location.search.get(), tick.version().get()), |(o, _, _)| get_onboarding_plan(o));
    view! {
        <Title text="Onboarding plan"/>
        <FormError value=tick_value/>
        <Loaded data=plan let:p>
            {
                let back = match org() {
                    Some(o) => format!("/plan?org={o}"),
                    None => "/plan".to_owned(),
                };
                view! { <Plan plan=p tick back/> }.into_any()
            }
        </Loaded>
    }
}

#[component]
fn Plan(plan: PlanView, tick: ServerAction<SetPlanItem>, back: String) -> impl IntoView {
    let now = chrono::DateTime::from_timestamp_millis(plan.now_ms).unwrap_or_default();
    let org = plan.organisation_id;
    view! {
        <h1 class="mb-1 text-2xl font-bold">"Onboarding plan"</h1>
        <p class="mb-4 text-sm text-slate-600">{plan.organisation.clone()}</p>
        <section class="mb-6 rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="overall">
            <h2 id="overall" class="mb-2 font-semibold">
                "Overall: " <span data-testid="overall-progress">{format!("{} %", plan.overall.percent())}</span>
                <span class="text-sm font-normal text-slate-600">{format!(" · {} of {} done", plan.overall.done, plan.overall.total)}</span>
                {(plan.overall.overdue > 0).then(|| view! { <span class="ml-2 rounded bg-red-100 px-2 py-0.5 text-xs text-red-800">{format!("{} overdue", plan.overall.overdue)}</span> })}
            </h2>
            <ProgressBar percent=plan.overall.percent() label="Overall progress"/>
            {plan.terms.clone().map(|t| view! {
                <p class="mt-3 text-xs text-slate-600">
                    "Revenue share: " {t.model.label()}
                    {t.first_year_bps.map(|b| format!(" · first year {}", format_bps(b)))}
                    {t.ongoing_bps.map(|b| format!(" · ongoing {}", format_bps(b)))}
                    {t.margin_bps.map(|b| format!(" · margin {}", format_bps(b)))}
                </p>
            })}
        </section>
        {plan.phases.iter().map(|(phase, prog)| {
            let (from, to) = phase.weeks();
            let items: Vec<PlanItem> = plan.items.iter().filter(|i| i.phase == *phase).cloned().collect();
            let back = back.clone();
            view! {
                <section class="mb-6 rounded-lg border border-slate-200 bg-white p-5" aria-labelledby=format!("phase-{}", phase.key())>
                    <div class="mb-2 flex flex-wrap items-baseline justify-between gap-2">
                        <h2 id=format!("phase-{}", phase.key()) class="font-semibold">{phase.label()}
                            <span class="text-sm font-normal text-slate-500">{format!(" · weeks {from}–{to}")}</span>
                        </h2>
                        <span class="text-sm text-slate-600" data-testid=format!("progress-{}", phase.key())>{format!("{} of {} · {} %", prog.done, prog.total, prog.percent())}</span>
                    </div>
                    <ProgressBar percent=prog.percent() label=format!("{} progress", phase.label())/>
                    <ul class="mt-3 divide-y divide-slate-100">
                        {items.into_iter().map(|i| {
                            let overdue = i.is_overdue(now);
                            let done = i.done_at_ms.is_some();
                            let back = back.clone();
                            // The visible words start the name, so a voice user saying what
                            // they see finds the button; the item's title tells them apart.
                            let aria = if done { format!("✓ Done: {} (mark not done)", i.title) } else { format!("Mark done: {}", i.title) };
                            view! {
                                <li class=if overdue { "flex flex-wrap items-center gap-3 bg-red-50 px-2 py-2" } else { "flex flex-wrap items-center gap-3 px-2 py-2" } data-item=i.title.clone()>
                                    <Form action=tick anchored=false banner=false>
                                        <input type="hidden" name="org" value=org.to_string()/>
                                        <input type="hidden" name="item" value=i.id.to_string()/>
                                        <input type="hidden" name="done" value=(!done).to_string()/>
                                        <input type="hidden" name="back" value=back/>
                                        <button type="submit" class="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100"
                                            aria-label=aria>
                                            {if done { "✓ Done" } else { "Mark done" }}
                                        </button>
                                    </Form>
                                    <span class=if done { "flex-1 text-slate-500 line-through" } else { "flex-1" }>{i.title.clone()}</span>
                                    <span class="text-xs text-slate-500">
                                        {match (i.done_at_ms, i.done_by.clone()) {
                                            (Some(at), Some(by)) => format!("done {} by {by}", day(at)),
                                            (Some(at), None) => format!("done {}", day(at)),
                                            _ => format!("due {}", day(i.due_at_ms)),
                                        }}
                                        {overdue.then(|| view! { <strong class="ml-1 text-red-700">"overdue"</strong> })}
                                        {i.binding.map(|b: Binding| view! { <em class="ml-1">{format!("({})", b.describe())}</em> })}
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        }).collect_view()}
    }
}

/// The next three things to do, for the partner's home page.
#[component]
pub fn NextSteps(plan: Resource<Result<PlanView, crate::error::AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                plan.await.ok().map(|p| {
                    let next = next_steps(&p.items, 3);
                    view! {
                        <section class="mb-8 rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="next-heading">
                            <div class="mb-2 flex items-baseline justify-between">
                                <h2 id="next-heading" class="text-lg font-semibold">"Next steps"</h2>
                                <a href="/plan" class="text-sm text-brand underline">{format!("Onboarding plan · {} %", p.overall.percent())}</a>
                            </div>
                            <ProgressBar percent=p.overall.percent() label="Onboarding progress"/>
                            <ol class="mt-3 list-decimal pl-5 text-sm" data-testid="next-steps">
                                {next.into_iter().map(|i| view! { <li>{i.title} <span class="text-slate-500">{format!(" · due {}", day(i.due_at_ms))}</span></li> }).collect_view()}
                            </ol>
                        </section>
                    }
                })
            })}
        </Suspense>
    }
}

#[component]
pub fn PartnersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).unwrap_or_default();
    let page = move || query.read().get("page").and_then(|p| p.parse::<usize>().ok());
    let data = Resource::new(
        move || (param("sort"), Some(param("dir")), Some(param("q")), page()),
        |(s, d, q, p)| get_partners_overview(s, d, q, p),
    );
    view! {
        <Title text="Partners"/>
        <h1 class="mb-4 text-2xl font-bold">"Partners"</h1>
        <Loaded data let:o>
            {
                if o.total == 0 && o.search.is_none() {
                    return view! { <p class="text-slate-600">"No partners yet: approved applications appear here with their onboarding progress."</p> }.into_any();
                }
                let list = ListChoices::new(&o.order, o.search.as_ref());
                let (sorting, order_keep, clear, pager_query) =
                    (list.sorting(), list.search_keep(), list.clear(), list.pager_query());
                let empty = o.search.as_ref().map(|q| format!("No partner’s name contains “{q}”."));
                let partners = o.partners.into_iter().map(|p| view! {
                    <tr>
                        <td class=TD_BOXED_NOWRAP>
                            <a class="text-brand underline" href=format!("/manager/partners/{}", p.organisation_id)>{p.organisation}</a>
                        </td>
                        <td class=TD_BOXED_NOWRAP>{day(p.approved_at_ms)}</td>
                        <td class="min-w-40 px-4 py-2">
                            <span class="text-xs">{format!("{} % ({}/{})", p.progress.percent(), p.progress.done, p.progress.total)}</span>
                            <ProgressBar percent=p.progress.percent() label="Progress"/>
                        </td>
                        <td class=TD_BOXED_FIGURE>{p.progress.overdue}</td>
                    </tr>
                }).collect::<Vec<_>>();
                let stalls = o.stalls.into_iter().take(10).map(|s| view! {
                    <tr>
                        <td class=TD_BOXED>{s.title}</td>
                        <td class=TD_BOXED_FIGURE>{s.overdue}</td>
                        <td class=TD_BOXED_FIGURE>{s.completed}</td>
                        <td class=TD_BOXED_FIGURE>{s.median_days.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }).collect_view();
                let [name, approved, progress, overdue] = PARTNER_COLUMNS;
                view! {
                    <SearchBox label="Search partners by name" value=o.search.clone() keep=order_keep clear/>
                    {match empty {
                        Some(text) if partners.is_empty() => view! { <p class="mb-4 text-slate-600" data-testid="partners-empty">{text}</p> }.into_any(),
                        _ => view! {
                            <DataTable
                                look=TableLook::Boxed
                                testid="partners"
                                sorting
                                head=vec![
                                    Head::from("Partner").sorts(name),
                                    Head::from("Approved").sorts(approved),
                                    Head::from("Progress").sorts(progress),
                                    Head::figure("Overdue").sorts(overdue),
                                ]
                                rows=partners
                            />
                        }.into_any(),
                    }}
                    <Pager page=o.page pages=o.pages count=o.total what="partners" query=pager_query/>
                    <div class="mb-8"></div>
                    <h2 class="mb-2 text-lg font-semibold">"Where partners stall"</h2>
                    <p class="mb-2 text-sm text-slate-600">"Items most often overdue now, and the median days from approval to completion."</p>
                    <DataTable
                        look=TableLook::Boxed
                        testid="stalls"
                        head=vec!["Item".into(), Head::figure("Overdue"), Head::figure("Completed"), Head::figure("Median days")]
                        rows=stalls
                    />
                }.into_any()
            }
        </Loaded>
    }
}

#[component]
pub fn TemplatePage() -> impl IntoView {
    let location = use_location();
    let add = ServerAction::<AddTemplateItem>::new();
    let remove = ServerAction::<RemoveTemplateItem>::new();
    let add_value: LastResult<()> = Signal::derive(move || add.value().get());
    let remove_value: LastResult<()> = Signal::derive(move || remove.value().get());
    let added = successes(add);
    let items =
        Resource::new(move || (location.search.get(), added.get(), remove.version().get()), |_| get_plan_template());
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some();
    view! {
        <Title text="Onboarding template"/>
        <h1 class="mb-2 text-2xl font-bold">"Onboarding template"</h1>
        <p class="mb-4 text-sm text-slate-600">"Each approved partner gets a copy of this plan. Changes apply to partners approved from now on."</p>
        {move || changed().then(|| view! { <Notice text="The template has been updated."/> })}
        <FormError value=remove_value/>
        <Loaded data=items let:list>
            {
                view! {
                    {Phase::ALL.into_iter().map(|ph| view! {
                        <section class="mb-4 rounded-lg border border-slate-200 bg-white p-4">
                            <h2 class="mb-2 font-semibold">{ph.label()}</h2>
                            <ul class="divide-y divide-slate-100 text-sm">
                                {list.iter().filter(|t| t.phase == ph).cloned().map(|t| view! {
                                    <li class="flex items-center justify-between gap-2 py-1.5">
                                        <span>{t.title.clone()} {t.binding.map(|b| view! { <em class="text-slate-500">{format!(" ({})", b.describe())}</em> })}</span>
                                        <Form action=remove anchored=false banner=false>
                                            <input type="hidden" name="id" value=t.id.to_string()/>
                                            <button type="submit" class="rounded border border-slate-300 px-2 py-0.5 text-xs" aria-label=format!("Remove {}", t.title)>"Remove"</button>
                                        </Form>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }).collect_view()}
                }.into_any()
            }
        </Loaded>
        <section class="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="add-heading">
            <h2 id="add-heading" class="mb-2 font-semibold">"Add an item"</h2>
            <Form action=add>
                <div class="grid gap-3 sm:grid-cols-4">
                    <div>
                        <label for="t-phase" class="block text-sm font-medium">"Phase"</label>
                        <select id="t-phase" name="phase" class="mt-1 w-full rounded-md border border-slate-300 bg-white px-2 py-2">
                            {Phase::ALL.into_iter().map(|p| view! { <option value=p.key() selected=drafted("phase").as_deref() == Some(p.key())>{p.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="sm:col-span-2">
                        <label for="t-title" class="block text-sm font-medium">"Item"</label>
                        <input id="t-title" name="title" required class="mt-1 w-full rounded-md border border-slate-300 px-2 py-2" value=drafted("title")
                            aria-invalid=invalid_when(add_value, "title").0 aria-describedby=invalid_when(add_value, "title").1 autofocus=invalid_when(add_value, "title").2/>
                        <FieldMessage value=add_value field="title"/>
                    </div>
                    <div>
                        <label for="t-binding" class="block text-sm font-medium">"Ticks itself on"</label>
                        <select id="t-binding" name="binding" class="mt-1 w-full rounded-md border border-slate-300 bg-white px-2 py-2">
                            <option value="">"Nothing (ticked by hand)"</option>
                            {Binding::ALL.into_iter().map(|b| view! { <option value=b.key() selected=drafted("binding").as_deref() == Some(b.key())>{b.key().replace('_', " ")}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                <button type="submit" class="mt-3 rounded-md bg-brand px-4 py-2 font-semibold text-white">"Add item"</button>
            </Form>
        </section>
    }
}
