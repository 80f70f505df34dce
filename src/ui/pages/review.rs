//! The managers' review queue and the review page of one application.

use crate::api::partners::{get_application_queue, get_application_review, DecideApplication, ScoreApplication};
use crate::domain::application::ApplicationStatus;
use crate::domain::evaluation::{format_tenths, tenths, Criterion, Recommendation};
use crate::domain::format::{count, days_waiting};
use crate::ui::components::card::Card;
use crate::ui::components::form::{
    drafted, field_error, invalid_when, successes, FieldMessage, Form, FormError, LastResult, Notice,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::pager::Pager;
use crate::ui::components::style::{INPUT, TD_BOXED, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// The choices of a filter, the one in the address selected.
fn filter_options(current: String, choices: &'static [(&'static str, &'static str)]) -> impl IntoView {
    choices.iter().map(|(k, l)| view! { <option value=*k selected=current == *k>{*l}</option> }).collect_view()
}

#[component]
pub fn QueuePage() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status").unwrap_or_else(|| "submitted".into());
    let kind = move || query.read().get("kind").unwrap_or_default();
    let page = move || query.read().get("page").and_then(|p| p.parse::<usize>().ok());
    let queue = Resource::new(move || (status(), kind(), page()), |(s, k, p)| get_application_queue(s, k, p));
    let select = "rounded-md border border-slate-300 bg-white px-3 py-2 text-sm";
    view! {
        <Title text="Applications"/>
        <h1 class="mb-4 text-2xl font-bold">"Applications"</h1>
        <form method="get" action="/manager/applications" class="mb-4 flex flex-wrap items-end gap-3">
            <div>
                <label for="filter-status" class="block text-sm font-medium">"Status"</label>
                <select id="filter-status" name="status" class=select>
                    {move || filter_options(status(), &[("", "Any"), ("submitted", "Waiting for review"), ("info_requested", "Information requested"), ("approved", "Approved"), ("rejected", "Rejected")])}
                </select>
            </div>
            <div>
                <label for="filter-kind" class="block text-sm font-medium">"Partner type"</label>
                <select id="filter-kind" name="kind" class=select>
                    {move || filter_options(kind(), &[("", "Any"), ("technology", "Technology"), ("solution", "Solution"), ("reseller", "Reseller")])}
                </select>
            </div>
            <button type="submit" class="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-100">"Filter"</button>
        </form>
        <Loaded data=queue let:q>
            {if q.items.is_empty() {
                return view! { <p class="text-slate-600">"No applications match."</p> }.into_any();
            }
            let now = q.now_ms;
            let rows = q.items.into_iter().map(|a| view! {
                <tr>
                    <td class=TD_BOXED_NOWRAP>
                        <a class="font-medium text-brand underline" href=format!("/manager/applications/{}", a.id)>{a.company}</a>
                        {(a.duplicates > 0).then(|| view! {
                            <span class="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900" title=format!("{} from {}", count(a.duplicates, "other application", "other applications"), a.company_domain)>"possible duplicate"</span>
                        })}
                    </td>
                    <td class=TD_BOXED_NOWRAP>{a.kind.label()}</td>
                    <td class=TD_BOXED_NOWRAP>{a.category.label()}</td>
                    <td class=TD_BOXED_NOWRAP>{a.status.label()}</td>
                    <td class=TD_BOXED_NOWRAP>{days_waiting(a.created_at_ms, now)}</td>
                    <td class=TD_BOXED>{a.scorecards}</td>
                </tr>
            }).collect_view();
            let filters = format!("status={}&kind={}", status(), kind());
            view! {
                <DataTable
                    look=TableLook::Boxed
                    testid="queue"
                    head=vec!["Company".into(), "Type".into(), "Category".into(), "Status".into(), "Waiting".into(), "Scorecards".into()]
                    rows
                />
                {(q.pages > 1).then(|| view! { <Pager page=q.page pages=q.pages count=q.total what="applications" query=filters/> })}
            }.into_any()}
        </Loaded>
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    let score = ServerAction::<ScoreApplication>::new();
    let decide = ServerAction::<DecideApplication>::new();
    let score_value: LastResult<()> = Signal::derive(move || score.value().get());
    let decide_value: LastResult<()> = Signal::derive(move || decide.value().get());
    // A refused decision reloads too: when a colleague decided first, the
    // page shows what they decided.
    let scored = successes(score);
    let review = Resource::new(
        move || (id(), location.search.get(), scored.get(), decide.version().get()),
        |(id, _, _, _)| get_application_review(id),
    );
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        if q.get("scored").is_some() {
            Some("Your scorecard has been saved.")
        } else if q.get("decided").is_some() {
            Some("The decision has been recorded and the applicant emailed.")
        } else {
            None
        }
    };
    view! {
        <Title text="Review application"/>
        <Loaded data=review let:r>
            {
                let app = r.application.clone();
                let mine = app.scorecards.iter().find(|c| c.manager_id == r.viewer_id).cloned();
                let open = app.status == ApplicationStatus::Submitted;
                let heading = "mb-3 text-lg font-semibold";
                view! {
                    <p class="mb-2 text-sm"><a class="text-brand underline" href="/manager/applications">"← Applications"</a></p>
                    <h1 class="mb-1 text-2xl font-bold">{app.company.clone()}</h1>
                    <p class="mb-4 text-sm text-slate-600">{app.kind.label()} " · " {app.category.label()} " · applied " <Time ms=app.created_at_ms/></p>
                    {move || notice().map(|t| view! { <Notice text=t/> })}
                    // A decision refused because someone decided first: the
                    // decision card is gone with the waiting status, so its
                    // error shows here.
                    {(!open).then(|| view! { <FormError value=decide_value/> })}
                    {(!app.duplicates.is_empty()).then(|| view! {
                        <div class="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" role="status">
                            "Other applications from " {app.company_domain.clone()} ": "
                            {app.duplicates.iter().map(|d| view! {
                                <a class="underline" href=format!("/manager/applications/{}", d.id)>{format!("{} ({})", d.company, d.status.label())}</a>" "
                            }).collect_view()}
                        </div>
                    })}
                    <div class="grid gap-6 lg:grid-cols-2">
                        <Card title="Application" heading=heading>
                            <dl class="grid grid-cols-3 gap-2 text-sm">
                                <dt class="text-slate-500">"Status"</dt><dd class="col-span-2 font-semibold" data-testid="status">{app.status.label()}</dd>
                                <dt class="text-slate-500">"Website"</dt><dd class="col-span-2 break-all">{app.website.clone()}</dd>
                                <dt class="text-slate-500">"Contact"</dt><dd class="col-span-2">{app.contact_name.clone()} " <" {app.email.clone()} ">"</dd>
                                <dt class="text-slate-500">"Integration"</dt><dd class="col-span-2">{app.integration.label()}</dd>
                                <dt class="text-slate-500">"Revenue model"</dt><dd class="col-span-2">{app.revenue_model.label()}</dd>
                                <dt class="text-slate-500">"Pitch"</dt><dd class="col-span-2 whitespace-pre-wrap">{app.pitch.clone()}</dd>
                                {app.info_question.clone().map(|q| view! { <dt class="text-slate-500">"Question"</dt><dd class="col-span-2 whitespace-pre-wrap">{q}</dd> })}
                                {app.info_answer.clone().map(|a| view! { <dt class="text-slate-500">"Answer"</dt><dd class="col-span-2 whitespace-pre-wrap">{a}</dd> })}
                                {app.decided_by.clone().map(|who| view! {
                                    <dt class="text-slate-500">"Decided"</dt>
                                    <dd class="col-span-2">{who} ", " {app.decided_at_ms.map(|t| view! { <Time ms=t/> })}</dd>
                                })}
                                {app.decision_reason.clone().map(|r| view! { <dt class="text-slate-500">"Reason"</dt><dd class="col-span-2">{r}</dd> })}
                            </dl>
                        </Card>
                        <Card title="Evaluation" heading=heading>
                            {match r.summary.clone() {
                                None => view! { <p class="text-sm text-slate-600">"Nobody has scored this application yet."</p> }.into_any(),
                                Some(s) => {
                                    let tone = match s.recommendation {
                                        Recommendation::Recommended => "bg-emerald-100 text-emerald-900",
                                        Recommendation::Consider => "bg-amber-100 text-amber-900",
                                        Recommendation::BelowThreshold => "bg-red-100 text-red-900",
                                    };
                                    view! {
                                        <p class="mb-3 text-sm">
                                            <span class="text-3xl font-bold" data-testid="overall-score">{format_tenths(s.mean_tenths)}</span>
                                            " / 10 · "
                                            <span class=format!("rounded px-2 py-0.5 text-xs font-semibold {tone}") data-testid="recommendation">{s.recommendation.label()}</span>
                                            <span class="text-slate-500">{format!(" · mean of {}", count(s.scorecards, "scorecard", "scorecards"))}</span>
                                        </p>
                                    }.into_any()
                                }
                            }}
                            <div class="overflow-x-auto" tabindex="0" role="group" aria-label="Scorecards by manager">
                                <table class="min-w-full text-sm">
                                    <thead class="text-left text-slate-600">
                                        <tr>
                                            <th scope="col" class="py-1 pr-3 font-medium">"Criterion"</th>
                                            {app.scorecards.iter().map(|c| view! { <th scope="col" class="py-1 pr-3 font-medium">{c.manager.clone()}</th> }).collect_view()}
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {Criterion::ALL.into_iter().enumerate().map(|(i, c)| view! {
                                            <tr class="border-t border-slate-100 align-top">
                                                <th scope="row" class="py-1 pr-3 text-left font-normal">{c.label()} <span class="text-slate-500">{format!(" {} %", c.weight())}</span></th>
                                                {app.scorecards.iter().map(|card| view! {
                                                    <td class="py-1 pr-3"><strong class="mr-2">{card.scores.get(c)}</strong><span class="text-slate-600">{card.notes[i].clone()}</span></td>
                                                }).collect_view()}
                                            </tr>
                                        }).collect_view()}
                                        <tr class="border-t border-slate-200">
                                            <th scope="row" class="py-1 pr-3 text-left">"Weighted"</th>
                                            {app.scorecards.iter().map(|card| view! { <td class="py-1 pr-3 font-semibold">{format_tenths(tenths(card.scores.weighted_hundredths()))}</td> }).collect_view()}
                                        </tr>
                                    </tbody>
                                </table>
                            </div>
                        </Card>
                    </div>
                    {open.then(|| view! {
                        <div class="mt-6 grid gap-6 lg:grid-cols-2">
                            <Card title="Your scorecard" id="score-heading" heading=heading>
                                <Form action=score>
                                    <input type="hidden" name="id" value=app.id.to_string()/>
                                    {Criterion::ALL.into_iter().enumerate().map(|(i, c)| {
                                        let prior = mine.clone();
                                        let key = c.key();
                                        let note_key = format!("{key}_note");
                                        let typed_note = drafted(&note_key);
                                        let score_err = field_error(score_value, key);
                                        let note_field: &'static str = match c {
                                            Criterion::StrategicAlignment => "strategic_alignment_note",
                                            Criterion::MarketImpact => "market_impact_note",
                                            Criterion::TechnicalCompatibility => "technical_compatibility_note",
                                            Criterion::OperationalFeasibility => "operational_feasibility_note",
                                            Criterion::FinancialValue => "financial_value_note",
                                        };
                                        let note_err = field_error(score_value, note_field);
                                        view! {
                                            <fieldset class="mb-3 grid grid-cols-[8rem_1fr] items-start gap-2">
                                                <legend class="sr-only">{c.label()}</legend>
                                                <label for=format!("score-{key}") class="pt-2 text-sm font-medium">{c.label()}</label>
                                                <div class="flex gap-2">
                                                    <input id=format!("score-{key}") name=key type="number" min="1" max="10" required
                                                        value=drafted(key).or_else(|| prior.as_ref().map(|p| p.scores.get(c).to_string()))
                                                        aria-invalid=move || score_err.get().is_some().then_some("true")
                                                        aria-describedby=move || score_err.get().or(note_err.get()).map(|_| format!("score-{key}-error"))
                                                        class="w-20 rounded-md border border-slate-300 px-2 py-1.5"/>
                                                    <input id=format!("note-{key}") name=note_key type="text" required placeholder="Note" aria-label=format!("Note on {}", c.label())
                                                        value=typed_note.or_else(|| prior.as_ref().map(|p| p.notes[i].clone()))
                                                        aria-invalid=move || note_err.get().is_some().then_some("true")
                                                        aria-describedby=move || score_err.get().or(note_err.get()).map(|_| format!("score-{key}-error"))
                                                        class="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1.5"/>
                                                </div>
                                                {move || score_err.get().or(note_err.get()).map(|e| view! { <p id=format!("score-{key}-error") class="col-span-2 text-sm text-red-700" role="alert">{e}</p> })}
                                            </fieldset>
                                        }
                                    }).collect_view()}
                                    <button type="submit" class="rounded-md bg-brand px-4 py-2 font-semibold text-white">"Save scorecard"</button>
                                </Form>
                            </Card>
                            <Card title="Decision" id="decide-heading" heading=heading>
                                <FormError value=decide_value/>
                                <Form action=decide key="approve" anchored=false banner=false>
                                    <input type="hidden" name="id" value=app.id.to_string()/>
                                    <input type="hidden" name="version" value=app.version.to_string()/>
                                    <input type="hidden" name="decision" value="approve"/>
                                    <input type="hidden" name="text" value=""/>
                                    <button type="submit" class="mb-4 rounded-md bg-emerald-700 px-4 py-2 font-semibold text-white">"Approve"</button>
                                </Form>
                                <Form action=decide key="request_info" anchored=false banner=false>
                                    <input type="hidden" name="id" value=app.id.to_string()/>
                                    <input type="hidden" name="version" value=app.version.to_string()/>
                                    <input type="hidden" name="decision" value="request_info"/>
                                    <label for="question" class="block text-sm font-medium">"Question for the applicant"</label>
                                    <textarea id="question" name="text" rows="2" class=INPUT
                                        aria-invalid=invalid_when(decide_value, "question").0 aria-describedby=invalid_when(decide_value, "question").1 autofocus=invalid_when(decide_value, "question").2>{drafted("text")}</textarea>
                                    <FieldMessage value=decide_value field="question"/>
                                    <button type="submit" class="mb-4 mt-2 rounded-md border border-slate-300 px-4 py-2 text-sm font-semibold">"Ask for information"</button>
                                </Form>
                                <Form action=decide key="reject" anchored=false banner=false>
                                    <input type="hidden" name="id" value=app.id.to_string()/>
                                    <input type="hidden" name="version" value=app.version.to_string()/>
                                    <input type="hidden" name="decision" value="reject"/>
                                    <label for="reason" class="block text-sm font-medium">"Reason for rejection (emailed)"</label>
                                    <textarea id="reason" name="text" rows="2" class=INPUT
                                        aria-invalid=invalid_when(decide_value, "reason").0 aria-describedby=invalid_when(decide_value, "reason").1 autofocus=invalid_when(decide_value, "reason").2>{drafted("text")}</textarea>
                                    <FieldMessage value=decide_value field="reason"/>
                                    <button type="submit" class="mt-2 rounded-md border border-red-300 px-4 py-2 text-sm font-semibold text-red-800">"Reject"</button>
                                </Form>
                            </Card>
                        </div>
                    })}
                }.into_any()
            }
        </Loaded>
    }
}
