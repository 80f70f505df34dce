//! Support: a partner's tickets and the form to open one, a ticket's page
//! (conversation, clock, staff actions), the staff queue and the monthly
//! SLA report.

use crate::api::support::{
    get_sla_report, get_support, get_support_queue, get_ticket, AssignTicket, ReopenTicket, ResolveTicket, TicketPage,
};
use crate::domain::support::Severity;
use crate::domain::support::{
    format_duration, SlaClock, SlaState, TicketStatus, TicketView, RESOLUTION_STEPS, TICKET_COLUMNS,
};
use crate::error::AppError;
use crate::ui::components::card::Card;
use crate::ui::components::form::{drafted, invalid_when, successes, FieldMessage, Form, LastResult, Notice};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::pager::Pager;
use crate::ui::components::style::{BUTTON, CARD, INPUT, QUIET, TD_RULED};
use crate::ui::components::table::{DataTable, Head, ListChoices, SearchBox, Sorting, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn pill(state: SlaState) -> &'static str {
    match state {
        SlaState::OnTrack | SlaState::Met => {
            "whitespace-nowrap rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900"
        }
        SlaState::AtRisk => {
            "whitespace-nowrap rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900"
        }
        SlaState::Breached => {
            "whitespace-nowrap rounded-full bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-900"
        }
    }
}

/// "due in 3 h 20 min", "2 h overdue", "answered in 45 min".
fn clock_text(c: &SlaClock) -> String {
    match (c.running, c.remaining_ms >= 0) {
        (true, true) => format!("first response due in {}", format_duration(c.remaining_ms)),
        (true, false) => format!("first response {} overdue", format_duration(c.remaining_ms)),
        (false, _) => format!("first response after {}", format_duration(c.elapsed_ms)),
    }
}

#[component]
fn Clock(ticket: TicketView, now_ms: i64) -> impl IntoView {
    let c = ticket.clock(now_ms);
    view! {
        <span class="inline-flex flex-wrap items-center gap-2" data-testid="sla">
            <span class=pill(c.state) data-testid="sla-state">{c.state.label()}</span>
            <span class="text-xs text-slate-600">{clock_text(&c)} " · due " <Time ms=c.due_ms/></span>
        </span>
    }
}

fn error_banner() -> impl IntoView {
    let query = use_query_map();
    move || {
        query.read().get("error").map(|e| {
            view! { <div class="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert">{e}</div> }
        })
    }
}

#[component]
pub fn SupportPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("org").and_then(|v| v.parse::<i64>().ok()), get_support);
    view! {
        <Title text="Support"/>
        <h1 class="mb-1 text-2xl font-bold">"Support"</h1>
        {error_banner()}
        <Loaded data let:v>
            {
                let targets = v.targets.iter().map(|(s, m)| format!("{}: {}", s.label(), format_duration(m * 60_000))).collect::<Vec<_>>().join(" · ");
                let draft = v.draft.clone().unwrap_or_default();
                let errors: LastResult<()> = {
                    let errs = draft.errors.clone();
                    Signal::derive(move || (!errs.is_empty()).then(|| Err(AppError::Invalid(errs.clone()))))
                };
                let now = v.now_ms;
                view! {
                    <p class="mb-4 text-sm text-slate-600">
                        {v.organisation.clone()} " · " <strong>{v.tier.label()}</strong> " support · first response within " {targets}
                    </p>
                    <div class="grid gap-6 lg:grid-cols-[3fr_2fr]">
                        <Card title="Tickets" id="tickets">
                            <TicketTable tickets=v.tickets.clone() now_ms=now show_partner=false empty="No tickets yet."/>
                        </Card>
                        {v.may_open.then(|| view! {
                            <Card title="Open a ticket" id="open">
                                {(!draft.errors.is_empty()).then(|| view! {
                                    <div class="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert">
                                        "Please fix the fields below. Attach your file again if you had chosen one."
                                    </div>
                                })}
                                <form method="post" action="/support/tickets" enctype="multipart/form-data" data-testid="open-ticket">
                                    <label for="ticket-subject" class="block text-sm font-medium">"Subject"</label>
                                    <input id="ticket-subject" name="subject" class=INPUT maxlength="200" value=draft.subject.clone() required/>
                                    <FieldMessage value=errors field="subject"/>
                                    <fieldset class="mt-3">
                                        <legend class="text-sm font-medium">"Severity"</legend>
                                        {Severity::ALL.iter().map(|s| {
                                            let checked = draft.severity == s.key() || (draft.severity.is_empty() && *s == Severity::Tier3);
                                            view! {
                                                <label class="mt-1 flex items-start gap-2 text-sm">
                                                    <input type="radio" name="severity" value=s.key() checked=checked class="mt-1"/>
                                                    <span><strong>{s.label()}</strong> " — " {s.description()}</span>
                                                </label>
                                            }
                                        }).collect_view()}
                                    </fieldset>
                                    <FieldMessage value=errors field="severity"/>
                                    <label for="ticket-description" class="mt-3 block text-sm font-medium">"Description"</label>
                                    <textarea id="ticket-description" name="description" rows="6" class=INPUT required>{draft.description.clone()}</textarea>
                                    <FieldMessage value=errors field="description"/>
                                    <label for="ticket-file" class="mt-3 block text-sm font-medium">"Attachment (optional)"</label>
                                    <p class="text-xs text-slate-500">"PDF, PNG, JPEG, GIF or a plain-text log; at most 5 MiB."</p>
                                    <input id="ticket-file" type="file" name="file" class="mt-1 block w-full text-sm"/>
                                    <FieldMessage value=errors field="file"/>
                                    <button type="submit" class=format!("{BUTTON} mt-4")>"Open ticket"</button>
                                </form>
                            </Card>
                        })}
                    </div>
                }.into_any()
            }
        </Loaded>
    }
}

/// Tickets, one a row; with partner and assignee for staff's queue.
#[component]
fn TicketTable(
    tickets: Vec<TicketView>,
    now_ms: i64,
    show_partner: bool,
    #[prop(optional)] empty: Option<&'static str>,
    /// Set on the staff's queue, ordered on the server.
    #[prop(optional)]
    sorting: Option<Sorting>,
) -> impl IntoView {
    let [due, opened, partner, severity] = TICKET_COLUMNS;
    let rows = tickets
        .into_iter()
        .map(|t| {
            let href = format!("/support/tickets/{}", t.id);
            view! {
                <tr class="border-b border-slate-100" data-testid=format!("ticket-{}", t.id)>
                    <td class=TD_RULED>{t.id}</td>
                    <td class=TD_RULED><a class="text-brand underline" href=href>{t.subject.clone()}</a></td>
                    {show_partner.then(|| view! { <td class=TD_RULED>{t.organisation.clone()}</td> })}
                    <td class=TD_RULED>{t.severity.label()}</td>
                    <td class=TD_RULED>{t.status.label()}</td>
                    <td class=TD_RULED><Clock ticket=t.clone() now_ms/></td>
                    {show_partner.then(|| view! { <td class=TD_RULED>{t.assignee.clone().unwrap_or_else(|| "—".into())}</td> })}
                </tr>
            }
        })
        .collect_view();
    let head = vec![
        Head::from("#").sorts(opened),
        "Subject".into(),
        Head::from("Partner").when(show_partner).sorts(partner),
        Head::from("Severity").sorts(severity),
        "Status".into(),
        Head::from("First response").sorts(due),
        Head::from("Assignee").when(show_partner),
    ];
    view! { <DataTable look=TableLook::Ruled testid="ticket-list" head rows empty sorting/> }
}

#[component]
pub fn TicketDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let assign = ServerAction::<AssignTicket>::new();
    let resolve = ServerAction::<ResolveTicket>::new();
    let reopen = ServerAction::<ReopenTicket>::new();
    let (assigned, resolved, reopened) = (successes(assign), successes(resolve), successes(reopen));
    let data = Resource::new(
        move || {
            (
                params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default(),
                query.read().get("done"),
                assigned.get() + resolved.get() + reopened.get(),
            )
        },
        |(id, ..)| get_ticket(id),
    );
    let notice = move || {
        query.read().get("done").map(|d| match d.as_str() {
            "opened" => "Ticket opened. Your partner manager has been told; you will get an email when they reply.",
            "replied" => "Reply sent.",
            "assigned" => "Assignment saved.",
            "resolved" => "Ticket resolved. The partner has been emailed.",
            "reopened" => "Ticket reopened.",
            _ => "Done.",
        })
    };
    view! {
        <Title text="Ticket"/>
        {move || notice().map(|t| view! { <Notice text=t/> })}
        {error_banner()}
        <Loaded data let:p>
            <Ticket p staff=StaffActions { assign, resolve, reopen }/>
        </Loaded>
    }
}

/// What staff do to a ticket.
#[derive(Clone, Copy)]
struct StaffActions {
    assign: ServerAction<AssignTicket>,
    resolve: ServerAction<ResolveTicket>,
    reopen: ServerAction<ReopenTicket>,
}

#[component]
fn Ticket(p: TicketPage, staff: StaffActions) -> impl IntoView {
    let t = p.ticket.clone();
    let id = t.id;
    let open = t.status == TicketStatus::Open;
    let back = if p.is_staff { "/support/queue".to_owned() } else { "/support".to_owned() };
    view! {
        <p class="mb-2 text-sm"><a class="text-brand underline" href=back>"← All tickets"</a></p>
        <h1 class="mb-1 text-2xl font-bold" data-testid="ticket-subject">{format!("#{id} · {}", t.subject)}</h1>
        <div class="mb-4 flex flex-wrap items-center gap-3 text-sm text-slate-700">
            <span>{t.organisation.clone()}</span>
            <span data-testid="ticket-severity">{t.severity.label()}</span>
            <span>{format!("{} support at opening", t.tier.label())}</span>
            <span data-testid="ticket-status" class="font-semibold">{t.status.label()}</span>
            <Clock ticket=t.clone() now_ms=p.now_ms/>
        </div>
        <div class=if p.is_staff { "grid gap-6 lg:grid-cols-[3fr_2fr]" } else { "max-w-3xl" }>
            <div class="min-w-0">
                <ol class="space-y-3" data-testid="messages">
                    {p.messages.iter().map(|m| {
                        let box_class = if m.from_staff { "rounded-lg border border-brand/30 bg-white p-4" } else { "rounded-lg border border-slate-200 bg-slate-50 p-4" };
                        view! {
                            <li class=box_class data-testid="message">
                                <p class="mb-1 text-xs text-slate-600">
                                    <strong>{m.author.clone()}</strong>
                                    {if m.from_staff { " (partner team)" } else { "" }}
                                    " · " <Time ms=m.at_ms/>
                                </p>
                                <p class="whitespace-pre-wrap break-words text-sm">{m.body.clone()}</p>
                                {m.attachments.iter().map(|a| view! {
                                    <p class="mt-2 text-sm">
                                        <a class="text-brand underline" href=format!("/support/attachments/{}", a.id) data-testid="attachment">{a.file_name.clone()}</a>
                                        <span class="text-xs text-slate-500">{format!(" · {} · {} KiB", a.content_type, (a.size + 1023) / 1024)}</span>
                                    </p>
                                }).collect_view()}
                            </li>
                        }
                    }).collect_view()}
                </ol>
                {t.resolution.clone().map(|r| view! {
                    <section class="mt-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4" data-testid="resolution">
                        <h2 class="mb-2 font-semibold">"Resolution"</h2>
                        <p class="whitespace-pre-wrap text-sm">{r.summary.clone()}</p>
                        {(!r.steps.is_empty()).then(|| view! {
                            <dl class="mt-3 grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
                                {RESOLUTION_STEPS.iter().map(|(k, label, _)| view! {
                                    <dt class="font-semibold">{*label}</dt>
                                    <dd class="whitespace-pre-wrap">{r.step(k).to_owned()}</dd>
                                }).collect_view()}
                            </dl>
                        })}
                    </section>
                })}
                {if open {
                    view! {
                        <form method="post" action=format!("/support/tickets/{id}/replies") enctype="multipart/form-data" class=format!("{CARD} mt-4") data-testid="reply-form">
                            <label for="reply-body" class="block text-sm font-medium">"Reply"</label>
                            <textarea id="reply-body" name="body" rows="4" class=INPUT required></textarea>
                            <label for="reply-file" class="mt-2 block text-sm font-medium">"Attachment (optional, 5 MiB at most)"</label>
                            <input id="reply-file" type="file" name="file" class="mt-1 block w-full text-sm"/>
                            <button type="submit" class=format!("{BUTTON} mt-3")>"Send reply"</button>
                        </form>
                    }.into_any()
                } else {
                    view! { <p class="mt-4 text-sm text-slate-600">"This ticket is resolved. If the issue is back, your partner manager can reopen it, or you can open a new ticket."</p> }.into_any()
                }}
            </div>
            {p.is_staff.then(|| view! { <StaffPanel p=p.clone() actions=staff/> })}
        </div>
    }
}

#[component]
fn StaffPanel(p: TicketPage, actions: StaffActions) -> impl IntoView {
    let StaffActions { assign, resolve, reopen } = actions;
    let t = p.ticket.clone();
    let (id_assign, id_resolve, id_reopen) = (t.id.to_string(), t.id.to_string(), t.id.to_string());
    let resolve_value: LastResult<()> = Signal::derive(move || resolve.value().get());
    let reopen_value: LastResult<()> = Signal::derive(move || reopen.value().get());
    let tier1 = t.severity == Severity::Tier1;
    view! {
        <div class="space-y-4">
            <Card title="Assignee" id="assign" heading="mb-2 font-semibold">
                <Form action=assign>
                    <input type="hidden" name="id" value=id_assign/>
                    <label for="assignee" class="sr-only">"Assignee"</label>
                    <select id="assignee" name="assignee" class=INPUT>
                        <option value="" selected=t.assignee_id.is_none()>"Nobody"</option>
                        {p.staff.iter().map(|(sid, name)| view! {
                            <option value=sid.to_string() selected=t.assignee_id == Some(*sid)>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class=format!("{QUIET} mt-2")>"Assign"</button>
                </Form>
            </Card>
            {if t.status == TicketStatus::Open {
                view! {
                    <Card title="Resolve" id="resolve" heading="mb-2 font-semibold">
                        {tier1.then(|| view! { <p class="mb-2 text-xs text-slate-600">"Tier 1: the handbook's six resolution steps are required."</p> })}
                        <Form action=resolve>
                            <input type="hidden" name="id" value=id_resolve/>
                            <label for="resolve-summary" class="block text-sm font-medium">"Summary for the partner"</label>
                            <textarea id="resolve-summary" name="summary" rows="3" class=INPUT
                                aria-invalid=invalid_when(resolve_value, "summary").0 aria-describedby=invalid_when(resolve_value, "summary").1 autofocus=invalid_when(resolve_value, "summary").2>{drafted("summary")}</textarea>
                            <FieldMessage value=resolve_value field="summary"/>
                            {tier1.then(|| RESOLUTION_STEPS.iter().map(|(k, label, hint)| {
                                let name = format!("step_{k}");
                                let field: &'static str = match *k {
                                    "identification" => "step_identification",
                                    "impact" => "step_impact",
                                    "plan" => "step_plan",
                                    "implementation" => "step_implementation",
                                    "verification" => "step_verification",
                                    _ => "step_prevention",
                                };
                                view! {
                                    <label for=format!("resolve-{k}") class="mt-2 block text-sm font-medium">{*label}</label>
                                    <p class="text-xs text-slate-500">{*hint}</p>
                                    <textarea id=format!("resolve-{k}") name=name.clone() rows="2" class=INPUT
                                        aria-invalid=invalid_when(resolve_value, field).0 aria-describedby=invalid_when(resolve_value, field).1 autofocus=invalid_when(resolve_value, field).2>{drafted(&name)}</textarea>
                                    <FieldMessage value=resolve_value field/>
                                }
                            }).collect_view())}
                            <button type="submit" class=format!("{BUTTON} mt-3")>"Resolve ticket"</button>
                        </Form>
                    </Card>
                }.into_any()
            } else {
                view! {
                    <Card title="Reopen" id="reopen" heading="mb-2 font-semibold">
                        <Form action=reopen>
                            <input type="hidden" name="id" value=id_reopen/>
                            <label for="reopen-reason" class="block text-sm font-medium">"Why"</label>
                            <textarea id="reopen-reason" name="reason" rows="2" class=INPUT
                                aria-invalid=invalid_when(reopen_value, "reason").0 aria-describedby=invalid_when(reopen_value, "reason").1 autofocus=invalid_when(reopen_value, "reason").2>{drafted("reason")}</textarea>
                            <FieldMessage value=reopen_value field="reason"/>
                            <button type="submit" class=format!("{QUIET} mt-2")>"Reopen ticket"</button>
                        </Form>
                    </Card>
                }.into_any()
            }}
        </div>
    }
}

#[component]
pub fn SupportQueuePage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k);
    let page = move || query.read().get("page").and_then(|p| p.parse::<usize>().ok());
    let data = Resource::new(
        move || (param("show"), param("q"), param("sort"), param("dir"), page()),
        |(show, q, sort, dir, page)| get_support_queue(show, q, sort, dir, page),
    );
    let tab = move |key: &'static str, label: &'static str| {
        let current = query.read().get("show").unwrap_or_else(|| "open".into()) == key;
        let class = if current { "rounded-md bg-slate-900 px-3 py-1.5 text-sm text-white" } else { QUIET };
        view! { <a class=class href=format!("/support/queue?show={key}") aria-current=current.then_some("page")>{label}</a> }
    };
    view! {
        <Title text="Support queue"/>
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-bold">"Support queue"</h1>
            <a class="text-brand underline" href="/support/report">"Monthly SLA report"</a>
        </div>
        <nav class="mb-4 flex gap-2" aria-label="Ticket filter">
            {move || view! { {tab("open", "Open")} {tab("resolved", "Resolved")} {tab("all", "All")} }}
        </nav>
        <p class="mb-3 text-sm text-slate-600">"Tickets waiting for a first response come first, the soonest due at the top, unless you choose another order."</p>
        <Loaded data let:v>
            {
                let show = v.show.clone().unwrap_or_else(|| "all".into());
                let list = ListChoices::new(&v.order, v.search.as_ref()).filtered("show", &show);
                let mut keep = list.search_keep();
                keep.push(("show", show.clone()));
                let clear = format!("/support/queue?show={show}");
                let (sorting, pager_query) = (list.sorting(), list.pager_query());
                view! {
                    <SearchBox label="Search by subject or partner" value=v.search.clone() keep clear/>
                    {match (&v.search, v.tickets.is_empty()) {
                        (Some(q), true) => view! { <p class="text-sm text-slate-600" data-testid="tickets-empty">{format!("No ticket’s subject or partner contains “{q}”.")}</p> }.into_any(),
                        (None, true) => view! { <p class="text-sm text-slate-600">"No tickets here."</p> }.into_any(),
                        _ => view! {
                            <div class=CARD><TicketTable tickets=v.tickets now_ms=v.now_ms show_partner=true sorting/></div>
                            <Pager page=v.page pages=v.pages count=v.total what="tickets" query=pager_query/>
                        }.into_any(),
                    }}
                }
            }
        </Loaded>
    }
}

#[component]
pub fn SlaReportPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("month"), get_sla_report);
    view! {
        <Title text="SLA report"/>
        <h1 class="mb-4 text-2xl font-bold">"Support SLA report"</h1>
        <Loaded data let:r>
            {
                let pct = |c: &crate::domain::support::SlaCounts| c.met_bps().map(crate::domain::integration::format_bps).unwrap_or_else(|| "—".into());
                let total = view! {
                    <tr class="font-semibold" data-testid="tier-total">
                        <td class=TD_RULED>"All"</td>
                        <td class=TD_RULED></td>
                        <td class=TD_RULED>{r.total.opened}</td>
                        <td class=TD_RULED>{r.total.met}</td>
                        <td class=TD_RULED>{r.total.breached}</td>
                        <td class=TD_RULED>{r.total.waiting}</td>
                        <td class=TD_RULED>{pct(&r.total)}</td>
                    </tr>
                };
                let rows = r.tiers.iter().map(|(tier, c)| view! {
                    <tr class="border-b border-slate-100" data-testid=format!("tier-{}", tier.key())>
                        <td class=TD_RULED>{tier.label()}</td>
                        <td class=TD_RULED>{format!("{} h", tier.response_hours())}</td>
                        <td class=TD_RULED>{c.opened}</td>
                        <td class=TD_RULED data-testid="met">{c.met}</td>
                        <td class=TD_RULED data-testid="breached">{c.breached}</td>
                        <td class=TD_RULED>{c.waiting}</td>
                        <td class=TD_RULED>{pct(c)}</td>
                    </tr>
                }.into_any()).chain(std::iter::once(total.into_any())).collect::<Vec<_>>();
                view! {
                    <div class="mb-3 flex items-center gap-3 text-sm">
                        <a class=QUIET href=format!("/support/report?month={}", r.previous)>"← Earlier"</a>
                        <strong data-testid="report-month">{r.label.clone()}</strong>
                        {r.next.clone().map(|n| view! { <a class=QUIET href=format!("/support/report?month={n}")>"Later →"</a> })}
                    </div>
                    <div class=CARD>
                        <DataTable
                            look=TableLook::Ruled
                            testid="sla-report"
                            head=vec![
                                "Support tier at opening".into(), "Target".into(), "Opened".into(), "Met".into(),
                                "Breached".into(), "Waiting, within target".into(), "Met share".into(),
                            ]
                            rows
                        />
                    </div>
                    <p class="mt-3 text-xs text-slate-500">"Tickets opened in the month, judged now. A ticket is met when its first response came within the target its partner's support tier set when it was opened; it is breached once its due time passes without one. The clock runs around the clock."</p>
                }.into_any()
            }
        </Loaded>
    }
}
