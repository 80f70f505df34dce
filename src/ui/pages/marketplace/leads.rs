//! Leads: the contact form on a partner's page, the partner's leads with
//! their response clocks, and the managers' view where leads are offered.

use crate::api::leads::{get_leads, get_program_leads, ActOnLead, AskForContact, LeadsPage, ProgramLeads, RouteLead};
use crate::domain::leads::{clock, clock_words, may_route, partner_actions, Clock, Lead, LeadAction, LeadStatus};
use crate::ui::components::card::Card;
use crate::ui::components::form::{
    drafted, field_error, for_row, invalid_when, Field, FieldMessage, Form, LastResult, Notice, TextArea,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, CARD, INPUT, QUIET, SECONDARY, TD_BOXED, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// The contact form of a partner's page, or with `slug` empty the
/// directory's form that asks the program's partner team. `started` is the
/// signed time the page was drawn; the `website` field is a trap people
/// never see.
#[component]
pub fn ContactForm(slug: String, partner: String, program: String, started: String) -> impl IntoView {
    let action = ServerAction::<AskForContact>::new();
    let value: LastResult<()> = Signal::derive(move || action.value().get());
    let e = move |f| field_error(value, f);
    let query = use_query_map();
    // Read as the address changes: with JavaScript the page stays and
    // only its address gains `asked`.
    let asked = move || query.read().get("asked").is_some();
    let (consent_invalid, consent_described, consent_focus) = invalid_when(value, "consent");
    let to_program = slug.is_empty();
    let (heading, consent_label, thanks) = if to_program {
        (
            format!("Not sure which partner fits? Ask the {program} partner team"),
            format!("The {program} partner team and the partner it chooses may contact me about this request."),
            format!(
                "Thank you. The {program} partner team will pass your request to a partner who will contact you; \
                 we have emailed you a copy."
            ),
        )
    } else {
        (
            format!("Ask {partner} to contact you"),
            format!("{partner} and the {program} partner team may contact me about this request."),
            format!("Thank you. {partner} will contact you; we have emailed you a copy of your request."),
        )
    };
    view! {
        <section id="contact" class=format!("{CARD} mt-4") aria-labelledby="contact-heading">
            <h2 id="contact-heading" class="mb-1 font-semibold">{heading}</h2>
            {move || {
                let (slug, started, consent_label) = (slug.clone(), started.clone(), consent_label.clone());
                if asked() {
                view! {
                    <Notice text=thanks.clone()/>
                }.into_any()
            } else {
                view! {
                    <p class="mb-4 text-sm text-slate-600">
                        {if to_program { "No account needed. Your details go to the partner team and the partner it chooses." } else { "No account needed. Your details go to this partner only." }}
                    </p>
                    <Form action>
                        <input type="hidden" name="slug" value=slug.clone()/>
                        <input type="hidden" name="started" value=started.clone()/>
                        // A trap for scripts: hidden from people and from
                        // assistive technology, so only a bot fills it.
                        <div class="absolute -left-[10000px] h-px w-px overflow-hidden" aria-hidden="true">
                            <label for="contact-website">"Leave this field empty"</label>
                            <input id="contact-website" name="website" type="text" tabindex="-1" autocomplete="off"/>
                        </div>
                        <div class="grid gap-x-6 sm:grid-cols-2">
                            <Field label="Company" name="company" autocomplete="organization" error=e("company")/>
                            <Field label="Your name" name="name" autocomplete="name" error=e("name")/>
                            <Field label="Work email" name="email" kind="email" autocomplete="email" error=e("email")/>
                            <Field label="Country" name="country" autocomplete="country-name" error=e("country")/>
                        </div>
                        <TextArea label="What do you need?" name="need" rows=4 error=e("need")/>
                        <div class="mb-4">
                            <label class="flex items-start gap-2 text-sm">
                                <input type="checkbox" name="consent" value="on" class="mt-1 h-4 w-4"
                                    checked=drafted("consent").is_some()
                                    aria-invalid=consent_invalid aria-describedby=consent_described autofocus=consent_focus/>
                                <span>{consent_label}</span>
                            </label>
                            <FieldMessage value field="consent"/>
                        </div>
                        <button type="submit" class=BUTTON>"Ask to be contacted"</button>
                    </Form>
                }.into_any()
            }}}
        </section>
    }
}

/// The clock of an offered lead, or nothing.
fn clock_badge(l: &Lead, now_ms: i64) -> Option<AnyView> {
    let by = l.respond_by_ms.filter(|_| l.status == LeadStatus::Offered)?;
    let c = clock(by, now_ms);
    let class = match c {
        Clock::Running { minutes_left } if minutes_left >= 12 * 60 => "text-slate-700",
        Clock::Running { .. } => "font-semibold text-amber-800",
        Clock::Overdue { .. } => "font-semibold text-red-700",
    };
    Some(view! { <span class=class data-testid="lead-clock">{clock_words(c)}</span> }.into_any())
}

#[component]
pub fn LeadsPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let act = ServerAction::<ActOnLead>::new();
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let data = Resource::new(move || (org(), location.search.get()), |(o, _)| get_leads(o));
    view! {
        <Title text="Leads"/>
        <Loaded data let:page>
            <Leads page act/>
        </Loaded>
    }
}

#[component]
fn Leads(page: LeadsPage, act: ServerAction<ActOnLead>) -> impl IntoView {
    let value: LastResult<()> = Signal::derive(move || act.value().get());
    let now = page.now_ms;
    let can_act = page.can_act;
    // One element: a fragment redrawn by the page's transition
    // would be drawn again beside the old one.
    view! {
        <div>
            <h1 class="mb-1 text-2xl font-bold">"Leads"</h1>
            <p class="mb-4 text-sm text-slate-600">
                "Customers who asked " {page.organisation.clone()} " to contact them from the partner directory. "
                "Accept or decline a new lead before its clock runs out; after that it goes back to the partner managers."
            </p>
            {page.leads.is_empty().then(|| view! {
                <p class="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700" data-testid="no-leads">"No leads yet. Leads come from your page in the partner directory."</p>
            })}
            <ul class="space-y-4" data-testid="leads">
                {page.leads.into_iter().map(|l| view! { <LeadCard l now can_act act value/> }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn LeadCard(l: Lead, now: i64, can_act: bool, act: ServerAction<ActOnLead>, value: LastResult<()>) -> impl IntoView {
    let actions = if can_act { partner_actions(l.status) } else { Vec::new() };
    let key = l.id.to_string();
    let reason_id = format!("lead-{}-reason", l.id);
    // The message under the reason shows in the row that was sent.
    let value = for_row(value, <ActOnLead as ServerFn>::PATH, format!("{key}-decline"));
    let (invalid, described, focus) = invalid_when(value, "reason");
    view! {
        <li id=format!("lead-{}", l.id) class=CARD data-testid="lead">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 class="text-lg font-semibold">{l.company.clone()}</h2>
                <p class="text-sm">
                    <span class="font-medium" data-testid="lead-status">{l.status.label()}</span>
                    {clock_badge(&l, now).map(|c| view! { " · " {c} })}
                </p>
            </div>
            <p class="text-sm text-slate-700">{l.name.clone()} " · " <a class="text-brand underline break-all" href=format!("mailto:{}", l.email)>{l.email.clone()}</a> " · " {l.country.clone()}</p>
            <p class="mt-2 whitespace-pre-wrap text-sm">{l.need.clone()}</p>
            <p class="mt-1 text-xs text-slate-500">"Asked " <Time ms=l.created_at_ms/></p>
            {(!actions.is_empty()).then(|| {
                let decline = actions.contains(&LeadAction::Decline);
                let steps: Vec<LeadAction> = actions.iter().copied().filter(|a| *a != LeadAction::Decline).collect();
                let (id, version) = (l.id.to_string(), l.version.to_string());
                view! {
                    <div class="mt-3 flex flex-wrap items-start gap-3 border-t border-slate-200 pt-3">
                        {steps.into_iter().map(|a| {
                            let (id, version) = (id.clone(), version.clone());
                            view! {
                                <Form action=act key=format!("{}-{}", key, a.key()) anchored=false>
                                    <input type="hidden" name="id" value=id/>
                                    <input type="hidden" name="version" value=version/>
                                    <input type="hidden" name="action" value=a.key()/>
                                    <button type="submit" class=if a == LeadAction::Accept { BUTTON } else { SECONDARY }>{a.label()}</button>
                                </Form>
                            }
                        }).collect_view()}
                        {decline.then(|| view! {
                            <Form action=act key=format!("{key}-decline") anchored=false class="min-w-0 flex-1">
                                <input type="hidden" name="id" value=id.clone()/>
                                <input type="hidden" name="version" value=version.clone()/>
                                <input type="hidden" name="action" value="decline"/>
                                <label for=reason_id.clone() class="block text-sm font-medium">"Reason to decline"</label>
                                <input id=reason_id.clone() name="reason" type="text" class=INPUT value=drafted("reason")
                                    aria-invalid=invalid aria-describedby=described autofocus=focus/>
                                <FieldMessage value field="reason"/>
                                <button type="submit" class=format!("{QUIET} mt-2")>"Decline"</button>
                            </Form>
                        })}
                    </div>
                }
            })}
        </li>
    }
}

#[component]
pub fn ProgramLeadsPage() -> impl IntoView {
    let location = use_location();
    let route = ServerAction::<RouteLead>::new();
    let data = Resource::new(move || location.search.get(), |_| get_program_leads());
    let query = use_query_map();
    view! {
        <Title text="Leads"/>
        <h1 class="mb-1 text-2xl font-bold">"Leads"</h1>
        <p class="mb-4 text-sm text-slate-600">"Customers' requests from the partner directory. A lead declined or not accepted in time comes back here to be offered to another partner."</p>
        {move || query.read().get("routed").map(|_| view! { <Notice text="Offered. The partner's owners and the customer have been emailed."/> })}
        <Loaded data let:p>
            <Program p route/>
        </Loaded>
    }
}

#[component]
fn Program(p: ProgramLeads, route: ServerAction<RouteLead>) -> impl IntoView {
    let now = p.now_ms;
    let partners = p.partners.clone();
    let rows = p
        .leads
        .into_iter()
        .map(|l| {
            let routable = may_route(l.status) && !partners.is_empty();
            let partners = partners.clone();
            let form = routable.then(move || {
                let select_id = format!("route-{}", l.id);
                view! {
                    <Form action=route key=l.id.to_string() anchored=false class="flex flex-wrap items-end gap-2">
                        <input type="hidden" name="id" value=l.id.to_string()/>
                        <input type="hidden" name="version" value=l.version.to_string()/>
                        <div>
                            <label for=select_id.clone() class="block text-xs font-medium">"Offer to"</label>
                            <select id=select_id name="organisation" class="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm">
                                {partners.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class=SECONDARY>"Offer"</button>
                    </Form>
                }
            });
            view! {
                <tr data-testid="program-lead">
                    <td class=TD_BOXED><span class="font-medium">{l.company.clone()}</span><br/><span class="text-xs text-slate-600">{l.country.clone()}</span></td>
                    <td class=TD_BOXED>{l.organisation.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class=TD_BOXED_NOWRAP><span data-testid="lead-status">{l.status.label()}</span><br/>{clock_badge(&l, now)}</td>
                    <td class=TD_BOXED>{l.note.clone().unwrap_or_default()}</td>
                    <td class=TD_BOXED>{form}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <Card title="All leads" id="program-leads">
            <DataTable
                look=TableLook::Boxed
                testid="program-leads"
                label="Leads of the program"
                empty="No customer has asked for contact yet."
                head=vec!["Customer".into(), "Partner".into(), "Status".into(), "Note".into(), "Offer".into()]
                rows
                stacked=true
            />
        </Card>
    }
}
