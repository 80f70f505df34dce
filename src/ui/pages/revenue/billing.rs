//! /manager/revenue/billing: the billing feed. An administrator connects
//! the program's Stripe account with its webhook signing secret; managers
//! attribute Stripe customers to partners, so each paid invoice and refund
//! Stripe reports is recorded for the right partner.

use crate::api::revenue::{
    get_billing_settings, AttributeBillingCustomer, BillingSettings, ConnectStripe, RemoveBillingCustomer,
};
use crate::ui::components::card::Card;
use crate::ui::components::form::{drafted, invalid_when, successes, FieldMessage, Form, LastResult, Notice};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, DANGER, INPUT, TD_SHADED, TD_SHADED_NOWRAP};
use crate::ui::components::table::{DataTable, Frame, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn BillingPage() -> impl IntoView {
    let location = use_location();
    let connect = ServerAction::<ConnectStripe>::new();
    let attribute = ServerAction::<AttributeBillingCustomer>::new();
    let remove = ServerAction::<RemoveBillingCustomer>::new();
    let changed = (successes(connect), successes(attribute), successes(remove));
    let (connected, attributed) = (changed.0, changed.1);
    let data = Resource::new(
        move || (location.search.get(), changed.0.get(), changed.1.get(), changed.2.get()),
        |_| get_billing_settings(),
    );
    view! {
        <Title text="Billing feed"/>
        <p class="mb-2 text-sm"><a class="text-brand underline" href="/manager/revenue">"← Revenue"</a></p>
        <h1 class="mb-4 text-2xl font-bold">"Billing feed"</h1>
        <Loaded data let:b>
            <Billing b connect attribute remove connected attributed/>
        </Loaded>
    }
}

#[component]
fn Billing(
    b: BillingSettings,
    connect: ServerAction<ConnectStripe>,
    attribute: ServerAction<AttributeBillingCustomer>,
    remove: ServerAction<RemoveBillingCustomer>,
    /// Successes so far: a form that went through is emptied in the
    /// browser (a page loaded without JavaScript starts empty anyway).
    connected: Signal<usize>,
    attributed: Signal<usize>,
) -> impl IntoView {
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        if q.get("connected").is_some() {
            Some("Stripe is connected. Deliveries signed with this secret are recorded.")
        } else if q.get("attributed").is_some() {
            Some("Customer attributed.")
        } else if q.get("removed").is_some() {
            Some("Attribution removed.")
        } else {
            None
        }
    };
    let connect_value: LastResult<()> = Signal::derive(move || connect.value().get());
    let attribute_value: LastResult<()> = Signal::derive(move || attribute.value().get());
    let status = match &b.connected {
        None => view! { <p class="mb-3 text-sm" data-testid="billing-status">"Not connected: nothing is recorded from Stripe yet."</p> }.into_any(),
        Some(c) => view! {
            <p class="mb-3 text-sm" data-testid="billing-status">
                {format!("Connected with {} by {} on ", c.hint, c.connected_by)}<Time ms=c.connected_at_ms/>". "
                {match c.last_delivery_ms {
                    Some(ms) => view! { "Last delivery: "<Time ms/>"." }.into_any(),
                    None => view! { "No delivery yet." }.into_any(),
                }}
            </p>
        }.into_any(),
    };
    let rows = b
        .customers
        .iter()
        .map(|c| {
            let customer = c.customer_ref.clone();
            view! {
                <tr>
                    <td class=TD_SHADED_NOWRAP><code>{c.customer_ref.clone()}</code></td>
                    <td class=TD_SHADED><a class="text-brand underline" href=format!("/revenue?org={}", c.organisation_id)>{c.organisation.clone()}</a></td>
                    <td class=TD_SHADED_NOWRAP><Time ms=c.created_at_ms/></td>
                    <td class=TD_SHADED>
                        <Form action=remove key=customer.clone() anchored=false>
                            <input type="hidden" name="customer" value=customer.clone()/>
                            <button type="submit" class=DANGER aria-label=format!("Remove the attribution of {customer}")>"Remove"</button>
                        </Form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {move || notice().map(|text| view! { <Notice text/> })}
        <div class="mb-6 grid gap-4 lg:grid-cols-2">
            <Card title="Stripe" id="stripe">
                {status}
                <p class="mb-2 text-sm">"In Stripe, add a webhook endpoint for the events invoice.paid and charge.refunded at:"</p>
                <p class="mb-3 break-all rounded-md bg-slate-100 px-3 py-2 font-mono text-sm" data-testid="billing-endpoint">{b.endpoint.clone()}</p>
                <p class="mb-3 text-xs text-slate-600">"Each delivery's signature is checked with the endpoint's signing secret and refused if it is more than five minutes old. A paid invoice is recorded as an invoice and a refund as a refund of its invoice, under the partner its customer is attributed to; Stripe's ids are the external ids, so a delivery Stripe repeats is never counted twice. A delivery that cannot be recorded is listed in the import history with why, and Stripe retries it."</p>
                {if b.can_connect {
                    let (invalid, described, first) = invalid_when(connect_value, "secret");
                    view! {
                        <Form action=connect>
                            <label for="billing-secret" class="block text-sm font-medium">{if b.connected.is_some() { "New signing secret" } else { "Signing secret" }}</label>
                            <input id="billing-secret" name="secret" type="password" autocomplete="off" required class=INPUT placeholder="whsec_…"
                                prop:value=move || { connected.track(); String::new() }
                                aria-invalid=invalid aria-describedby=described autofocus=first/>
                            <FieldMessage value=connect_value field="secret"/>
                            <button type="submit" class=format!("{BUTTON} mt-3")>{if b.connected.is_some() { "Replace the secret" } else { "Connect Stripe" }}</button>
                        </Form>
                    }.into_any()
                } else {
                    view! { <p class="text-sm">"An administrator connects Stripe."</p> }.into_any()
                }}
            </Card>
            <Card title="Attribute a customer" id="attribute">
                <p class="mb-3 text-xs text-slate-600">"Which partner a Stripe customer's revenue belongs to. A customer attributed again moves to the new partner for deliveries from then on."</p>
                <Form action=attribute>
                    {
                        let (invalid, described, first) = invalid_when(attribute_value, "customer");
                        view! {
                            <label for="billing-customer" class="block text-sm font-medium">"Stripe customer id"</label>
                            <input id="billing-customer" name="customer" type="text" required class=INPUT placeholder="cus_…"
                                value=drafted("customer") prop:value=move || { attributed.track(); drafted("customer").filter(|_| attributed.get() == 0).unwrap_or_default() }
                                aria-invalid=invalid aria-describedby=described autofocus=first/>
                            <FieldMessage value=attribute_value field="customer"/>
                        }
                    }
                    {
                        let (invalid, described, first) = invalid_when(attribute_value, "partner");
                        let typed = drafted("partner");
                        let chosen = typed.clone();
                        view! {
                            <label for="billing-partner" class="mt-3 block text-sm font-medium">"Partner"</label>
                            <select id="billing-partner" name="partner" class=INPUT aria-invalid=invalid aria-describedby=described autofocus=first
                                prop:value=move || { attributed.track(); typed.clone().filter(|_| attributed.get() == 0).unwrap_or_default() }>
                                <option value="">"Choose a partner"</option>
                                {b.partners.iter().map(|(id, n)| {
                                    let id = id.to_string();
                                    let selected = chosen.as_deref() == Some(id.as_str());
                                    view! { <option value=id selected=selected>{n.clone()}</option> }
                                }).collect_view()}
                            </select>
                            <FieldMessage value=attribute_value field="partner"/>
                        }
                    }
                    <button type="submit" class=format!("{BUTTON} mt-3")>"Attribute"</button>
                </Form>
            </Card>
        </div>
        <h2 class="mb-2 text-lg font-semibold">"Attributed customers"</h2>
        <DataTable
            look=TableLook::Shaded
            frame=Frame::Box
            testid="billing-customers"
            empty="No customer attributed yet."
            head=vec!["Stripe customer".into(), "Partner".into(), "Since".into(), "".into()]
            rows
        />
    }
}
