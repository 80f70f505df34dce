//! Co-marketing funds: the partner's page (this quarter's budget, the
//! request form, requests with their claims, integration bounties), also
//! staff's view of one partner (`?org=`), and the managers' queue.

use crate::api::funds::{get_fund_review, get_funds, DecideFundRequest, FundReview, FundsView, RequestFunds};
use crate::domain::certification::CertState;
use crate::domain::format::days_waiting;
use crate::domain::funds::{activity_heading, format_money, ActivityKind, BountyState, FundRequest, FundStatus};
use crate::domain::revenue::Money;
use crate::ui::components::card::Card;
use crate::ui::components::form::{
    drafted, error_line, field_error, invalid_when, successes, FieldMessage, Form, FormError, LastResult, Notice,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, CARD, INPUT, SECONDARY, TD_SHADED};
use crate::ui::components::table::{DataTable, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// An amount as typed into a form: `1250.00`, no currency.
fn plain(m: Money) -> String {
    m.to_string().trim_end_matches(m.currency.code()).trim().to_owned()
}

fn status_pill(s: FundStatus) -> &'static str {
    match s {
        FundStatus::Requested | FundStatus::Claimed => {
            "rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900"
        }
        FundStatus::Approved | FundStatus::Paid => {
            "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900"
        }
        FundStatus::Rejected | FundStatus::Withdrawn => {
            "rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700"
        }
    }
}

/// What happened to a request, in a sentence or two.
fn history(r: &FundRequest) -> Vec<String> {
    let mut out = vec![format!("Requested by {} for {}.", r.requested_by, format_money(r.requested))];
    if let Some(a) = r.approved {
        out.push(format!("Approved: {}.", format_money(a)));
    }
    if let Some(note) = &r.decision_note {
        out.push(format!("Reason: {note}"));
    }
    if let Some(c) = r.claim {
        out.push(format!("Claimed: {}.", format_money(c)));
    }
    if let Some(note) = &r.claim_note {
        out.push(format!("Last claim not approved: {note}"));
    }
    out
}

/// The proof of a claim: its link and file.
fn proof(r: &FundRequest) -> impl IntoView {
    let link = r.claim_link.clone();
    let file = r.claim_file.clone();
    let id = r.id;
    view! {
        {link.map(|l| view! { <p class="text-sm">"Proof: " <a class="break-all text-brand underline" href=l.clone() rel="noopener noreferrer nofollow" target="_blank">{l.clone()}</a></p> })}
        {file.map(|(kind, size)| view! {
            <p class="text-sm"><a class="text-brand underline" href=format!("/funds/{id}/proof") download="">"Download the proof file"</a>
                {format!(" ({kind}, {} KiB)", (size + 1023) / 1024)}</p>
        })}
    }
}

/// A manager's decision on a waiting request or claim.
#[component]
fn Decision(r: FundRequest, back: String, decide: ServerAction<DecideFundRequest>) -> impl IntoView {
    let (approve, reject) = match r.status {
        FundStatus::Requested => ("approve", "reject"),
        FundStatus::Claimed => ("approve_claim", "reject_claim"),
        _ => return ().into_any(),
    };
    let approve_label = match r.status {
        FundStatus::Requested => format!("Approve {}", format_money(r.requested)),
        _ => format!("Approve claim of {}", format_money(r.claim.unwrap_or(r.requested))),
    };
    let reason_id = format!("reason-{}", r.id);
    let (id, version) = (r.id.to_string(), r.version.to_string());
    let (id2, version2, back2) = (id.clone(), version.clone(), back.clone());
    view! {
        <div class="mt-2 flex flex-wrap items-end gap-3">
            <Form action=decide key=format!("approve-{id}") anchored=false banner=false>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=version/>
                <input type="hidden" name="action" value=approve/>
                <input type="hidden" name="back" value=back/>
                <button type="submit" class=BUTTON>{approve_label}</button>
            </Form>
            <Form action=decide key=format!("reject-{id2}") anchored=false banner=false class="flex flex-wrap items-end gap-2">
                <input type="hidden" name="id" value=id2/>
                <input type="hidden" name="version" value=version2/>
                <input type="hidden" name="action" value=reject/>
                <input type="hidden" name="back" value=back2/>
                <div>
                    <label for=reason_id.clone() class="block text-xs font-medium text-slate-700">"Reason for the partner"</label>
                    <input id=reason_id name="reason" required=true maxlength="1000" class="mt-1 w-64 rounded-md border border-slate-300 px-3 py-1.5 text-sm" value=drafted("reason")/>
                </div>
                <button type="submit" class=SECONDARY>{if approve == "approve" { "Reject" } else { "Reject claim" }}</button>
            </Form>
        </div>
    }
    .into_any()
}

#[component]
pub fn FundsPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let request = ServerAction::<RequestFunds>::new();
    let decide = ServerAction::<DecideFundRequest>::new();
    let request_value: LastResult<i64> = Signal::derive(move || request.value().get());
    let decide_value: LastResult<()> = Signal::derive(move || decide.value().get());
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let (requested, decided) = (successes(request), successes(decide));
    let data = Resource::new(
        move || (org(), location.search.get(), requested.get(), decided.get()),
        |(o, _, _, _)| get_funds(o),
    );
    view! {
        <Title text="Co-marketing funds"/>
        <FormError value=decide_value/>
        {move || field_error(decide_value, "reason").get().map(|m| view! { <p class="mb-4 text-sm text-red-700" role="alert">{m}</p> })}
        <Loaded data let:v>
            <Funds v request request_value decide/>
        </Loaded>
    }
}

#[component]
fn Funds(
    v: FundsView,
    request: ServerAction<RequestFunds>,
    request_value: LastResult<i64>,
    decide: ServerAction<DecideFundRequest>,
) -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.read().get(k);
    let notice = move || {
        if q("requested").is_some() {
            Some("Your request is waiting for a partner manager's decision.")
        } else if q("claimed").is_some() {
            Some("Your claim is waiting for a partner manager's decision.")
        } else {
            match q("decided").as_deref().and_then(|d| d.split('-').next().map(str::to_owned)).as_deref() {
                Some("withdraw") => Some("The request is withdrawn; its amount is free again."),
                Some("approve") => Some("Request approved."),
                Some("reject") => Some("Request rejected."),
                Some("approve_claim") => Some("Claim approved: it is a line on the partner's revenue statement."),
                Some("reject_claim") => Some("Claim rejected; the partner can claim again."),
                _ => None,
            }
        }
    };
    let back = if v.staff { format!("/funds?org={}", v.organisation_id) } else { "/funds".to_owned() };
    let currency = v.budget.map(|b| b.budget.currency.code()).unwrap_or_default();
    let requests = v.requests.clone();
    let bounties = v
        .bounties
        .iter()
        .map(|b| {
            let milestone = CertState::parse(&b.milestone).map(|s| s.label().to_owned()).unwrap_or_else(|| b.milestone.clone());
            let pill = match b.state {
                BountyState::Open => "rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700",
                BountyState::Earned => "rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900",
                BountyState::Paid => "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900",
            };
            view! {
                <tr>
                    <td class=TD_SHADED>{milestone}</td>
                    <td class=TD_SHADED>{format_money(b.amount)}</td>
                    <td class=TD_SHADED>
                        <span class=pill>{b.state.label()}</span>
                        {(b.state == BountyState::Open).then(|| view! { <span class="ml-2 text-xs text-slate-500">"milestone not reached yet"</span> })}
                        {(b.state == BountyState::Earned).then(|| view! { <span class="ml-2 text-xs text-slate-500">"on a statement, not paid out yet"</span> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {v.staff.then(|| view! { <p class="mb-2 text-sm"><a class="text-brand underline" href="/funds/review">"← Funds to review"</a></p> })}
        <h1 class="mb-1 text-2xl font-bold">"Co-marketing funds"</h1>
        <p class="mb-4 text-sm text-slate-600">{v.organisation.clone()}</p>
        {move || notice().map(|t| view! { <Notice text=t/> })}
        {match v.budget {
            Some(b) => view! {
                <section class="mb-6 grid gap-4 sm:grid-cols-3" aria-label=format!("Fund budget, {}", b.quarter)>
                    <div class=CARD>
                        <h2 class="text-sm font-medium text-slate-600">{format!("Budget, {}", b.quarter)}</h2>
                        <p class="mt-1 text-2xl font-bold" data-testid="fund-budget">{format_money(b.budget)}</p>
                    </div>
                    <div class=CARD>
                        <h2 class="text-sm font-medium text-slate-600">"Committed"</h2>
                        <p class="mt-1 text-2xl font-bold" data-testid="fund-committed">{format_money(b.committed)}</p>
                        <p class="text-xs text-slate-500">"Requests waiting, approved or claimed this quarter."</p>
                    </div>
                    <div class=CARD>
                        <h2 class="text-sm font-medium text-slate-600">"Remaining"</h2>
                        <p class="mt-1 text-2xl font-bold" data-testid="fund-remaining">{format_money(b.remaining())}</p>
                    </div>
                </section>
            }.into_any(),
            None => view! {
                <Card title="No fund budget" heading="mb-1 font-semibold" margin="mb-6">
                    <p class="text-sm text-slate-700" data-testid="no-budget">{v.no_budget.clone().unwrap_or_default()}</p>
                </Card>
            }.into_any(),
        }}
        {v.can_request.then(|| view! {
            <Card title="Request funds" id="request" heading="mb-1 font-semibold" margin="mb-6">
                <p class="mb-3 text-sm text-slate-600">"Ask before the activity. The budget is per calendar quarter (UTC) of the activity's date; after the activity, claim with a link or a file as proof."</p>
                <Form action=request>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <div>
                            <label for="fund-kind" class="block text-sm font-medium">"Activity"</label>
                            <select id="fund-kind" name="kind" class=INPUT aria-invalid=invalid_when(request_value, "kind").0 aria-describedby=invalid_when(request_value, "kind").1 autofocus=invalid_when(request_value, "kind").2>
                                {ActivityKind::ALL.iter().map(|k| view! { <option value=k.key() selected=drafted("kind").as_deref() == Some(k.key())>{k.label()}</option> }).collect_view()}
                            </select>
                            <FieldMessage value=request_value field="kind"/>
                        </div>
                        <div>
                            <label for="fund-title" class="block text-sm font-medium">"What it is"</label>
                            <input id="fund-title" name="title" required=true maxlength="200" class=INPUT value=drafted("title") aria-invalid=invalid_when(request_value, "title").0 aria-describedby=invalid_when(request_value, "title").1 autofocus=invalid_when(request_value, "title").2/>
                            <FieldMessage value=request_value field="title"/>
                        </div>
                        <div>
                            <label for="fund-date" class="block text-sm font-medium">"Activity date"</label>
                            <input id="fund-date" name="date" type="date" required=true value=drafted("date").unwrap_or_else(|| v.today.clone()) class=INPUT aria-invalid=invalid_when(request_value, "date").0 aria-describedby=invalid_when(request_value, "date").1 autofocus=invalid_when(request_value, "date").2/>
                            <FieldMessage value=request_value field="date"/>
                        </div>
                        <div>
                            <label for="fund-amount" class="block text-sm font-medium">{format!("Amount ({currency})")}</label>
                            <input id="fund-amount" name="amount" inputmode="decimal" required=true class=INPUT value=drafted("amount") aria-invalid=invalid_when(request_value, "amount").0 aria-describedby=invalid_when(request_value, "amount").1 autofocus=invalid_when(request_value, "amount").2/>
                            <FieldMessage value=request_value field="amount"/>
                        </div>
                    </div>
                    <button type="submit" class=format!("{BUTTON} mt-4")>"Request funds"</button>
                </Form>
            </Card>
        })}
        <Card title="Requests" id="requests" margin="mb-6">
            {if requests.is_empty() {
                view! { <p class="text-sm text-slate-600">"No requests yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100" data-testid="fund-requests">
                        {requests.into_iter().map(|r| view! { <RequestItem r own=!v.staff staff=v.staff back=back.clone() decide/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Card>
        {v.technology.then(|| view! {
            <Card title="Integration bounties" id="bounties" heading="mb-1 font-semibold" margin="mb-6">
                <p class="mb-3 text-sm text-slate-600">"Paid once per certification milestone, as a line on your revenue statement."</p>
                <DataTable
                    look=TableLook::Shaded
                    testid="bounties"
                    empty="Your terms name no integration bounties."
                    head=vec!["Milestone".into(), "Bounty".into(), "State".into()]
                    rows=bounties
                />
            </Card>
        })}
    }
}

#[component]
fn RequestItem(
    r: FundRequest,
    /// The partner's own view: it may withdraw and claim.
    own: bool,
    staff: bool,
    back: String,
    decide: ServerAction<DecideFundRequest>,
) -> impl IntoView {
    let query = use_query_map();
    let id = r.id;
    let mine = move || query.read().get("claim").and_then(|v| v.parse::<i64>().ok()) == Some(id);
    let claim_error = move |field: &str| if mine() { query.read().get(&format!("e_{field}")) } else { None };
    let general_error = move || if mine() { query.read().get("error") } else { None };
    let approved = r.approved.unwrap_or(r.requested);
    let rr = r.clone();
    let withdraw_back = back.clone();
    view! {
        <li class="py-3" data-testid=format!("fund-request-{}", r.id)>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div>
                    <p class="font-medium">{activity_heading(r.kind, &r.title)}</p>
                    <p class="text-sm text-slate-600"><Time ms=r.activity_ms date=true/> {format!(" · {} · {}", r.quarter, format_money(approved))}</p>
                </div>
                <span class=status_pill(r.status) data-testid="fund-status">{r.status.label()}</span>
            </div>
            <ul class="mt-1 text-sm text-slate-700">{history(&r).into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
            {proof(&r)}
            {r.statement_id.map(|s| view! { <p class="text-sm"><a class="text-brand underline" href=format!("/statements/{s}")>"See the statement line"</a></p> })}
            {(own && r.status == FundStatus::Requested).then(|| view! {
                <Form action=decide key=format!("withdraw-{id}") anchored=false banner=false class="mt-2">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="version" value=r.version.to_string()/>
                    <input type="hidden" name="action" value="withdraw"/>
                    <input type="hidden" name="back" value=withdraw_back.clone()/>
                    <button type="submit" class=SECONDARY>"Withdraw"</button>
                </Form>
            })}
            {(own && r.status == FundStatus::Approved).then(|| view! {
                <form method="post" action=format!("/funds/{id}/claim") enctype="multipart/form-data" class="mt-3 rounded-md border border-slate-200 bg-slate-50 p-3" data-testid="claim-form">
                    <h3 class="mb-2 text-sm font-semibold">"Claim after the activity"</h3>
                    {move || general_error().map(|m| view! { <p class="mb-2 text-sm text-red-700" role="alert">{m}</p> })}
                    <input type="hidden" name="version" value=r.version.to_string()/>
                    <div class="grid gap-3 sm:grid-cols-3">
                        <div>
                            <label for=format!("claim-amount-{id}") class="block text-sm font-medium">{format!("Amount spent ({})", approved.currency.code())}</label>
                            <input id=format!("claim-amount-{id}") name="amount" inputmode="decimal" required=true value=plain(approved) class=INPUT/>
                            {move || error_line(claim_error("amount"))}
                        </div>
                        <div>
                            <label for=format!("claim-link-{id}") class="block text-sm font-medium">"Link to the published activity"</label>
                            <input id=format!("claim-link-{id}") name="link" type="url" placeholder="https://" class=INPUT/>
                            {move || error_line(claim_error("link"))}
                        </div>
                        <div>
                            <label for=format!("claim-file-{id}") class="block text-sm font-medium">"Proof file (PDF, PNG or JPEG, up to 5 MiB)"</label>
                            <input id=format!("claim-file-{id}") name="file" type="file" accept="application/pdf,image/png,image/jpeg" class="mt-1 block w-full text-sm"/>
                            {move || error_line(claim_error("file"))}
                        </div>
                    </div>
                    <button type="submit" class=format!("{BUTTON} mt-3")>"Claim"</button>
                </form>
            })}
            {staff.then(|| view! { <Decision r=rr back decide/> })}
        </li>
    }
}

#[component]
pub fn FundReviewPage() -> impl IntoView {
    let location = use_location();
    let decide = ServerAction::<DecideFundRequest>::new();
    let value: LastResult<()> = Signal::derive(move || decide.value().get());
    let done = successes(decide);
    let data = Resource::new(move || (location.search.get(), done.get()), |_| get_fund_review());
    let query = use_query_map();
    let decided = move || query.read().get("decided").is_some();
    view! {
        <Title text="Funds to review"/>
        <h1 class="mb-4 text-2xl font-bold">"Co-marketing funds to review"</h1>
        {move || decided().then(|| view! { <Notice text="Decision recorded; the partner's owners are told by email."/> })}
        <FormError value/>
        {move || field_error(value, "reason").get().map(|m| view! { <p class="mb-4 text-sm text-red-700" role="alert">{m}</p> })}
        <Loaded data let:v>
            <Queue v decide/>
        </Loaded>
    }
}

#[component]
fn Queue(v: FundReview, decide: ServerAction<DecideFundRequest>) -> impl IntoView {
    if v.items.is_empty() {
        return view! { <p class="text-sm text-slate-600" data-testid="fund-queue-empty">"Nothing is waiting: no requests or claims to decide."</p> }.into_any();
    }
    let now = v.now_ms;
    view! {
        <ul class="space-y-4" data-testid="fund-queue">
            {v.items.into_iter().map(|item| {
                let r = item.request;
                let since = r.claimed_at_ms.filter(|_| r.status == FundStatus::Claimed).unwrap_or(r.requested_at_ms);
                view! {
                    <li class=CARD data-testid=format!("fund-request-{}", r.id)>
                        <div class="flex flex-wrap items-start justify-between gap-2">
                            <div>
                                <p class="text-sm"><a class="font-semibold text-brand underline" href=format!("/funds?org={}", r.organisation_id)>{r.organisation.clone()}</a></p>
                                <p class="font-medium">{activity_heading(r.kind, &r.title)}</p>
                                <p class="text-sm text-slate-600"><Time ms=r.activity_ms date=true/> {format!(" · {} · waiting {}", r.quarter, days_waiting(since, now))}</p>
                            </div>
                            <span class=status_pill(r.status) data-testid="fund-status">{r.status.label()}</span>
                        </div>
                        <ul class="mt-1 text-sm text-slate-700">{history(&r).into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                        {item.budget.map(|b| view! {
                            <p class="text-sm text-slate-700" data-testid="queue-budget">{format!(
                                "{} budget {}: {} committed (this request included), {} remaining.",
                                b.quarter, format_money(b.budget), format_money(b.committed), format_money(b.remaining())
                            )}</p>
                        })}
                        {proof(&r)}
                        <Decision r=r.clone() back="/funds/review".to_owned() decide/>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
