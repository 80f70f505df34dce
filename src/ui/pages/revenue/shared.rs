//! What the revenue pages share: statement lists and the steps of a payout.

use crate::api::revenue::MovePayout;
use crate::domain::ledger::{Payout, PayoutStatus, Statement};
use crate::domain::revenue::{format_money, Money};
use crate::domain::statement::STATEMENT_COLUMNS;
use crate::ui::components::form::{drafted, Form};
use crate::ui::components::style::{BUTTON, INPUT, TD_SHADED_MONEY, TD_SHADED_NOWRAP, WIDE_ONLY};
use crate::ui::components::table::{DataTable, Head, Sorting, TableLook};
use leptos::prelude::*;

pub(super) fn payout_label(p: &Option<Payout>) -> String {
    match p {
        None => "—".to_owned(),
        Some(p) => match (&p.status, &p.reference) {
            (PayoutStatus::Paid, Some(r)) => format!("Paid ({r})"),
            (s, _) => s.label().to_owned(),
        },
    }
}

/// Statements, one a row; with the partner's name for staff's lists that
/// span partners, and headers that order the list when it is ordered on
/// the server (`sorting`).
pub(super) fn statements_table(list: Vec<Statement>, with_partner: bool, sorting: Option<Sorting>) -> impl IntoView {
    let [month, partner, commission, balance] = STATEMENT_COLUMNS;
    let rows = list
        .iter()
        .map(|s| {
            let balance = s.balance_minor.map(|b| format_money(Money::new(b, s.currency))).unwrap_or_else(|| "—".into());
            view! {
                <tr>
                    {with_partner.then(|| view! { <td class=TD_SHADED_NOWRAP>{s.organisation.clone()}</td> })}
                    <td class=TD_SHADED_NOWRAP><a class="text-brand underline" href=format!("/statements/{}", s.id)>{s.month.label()}</a></td>
                    <td class=format!("{TD_SHADED_NOWRAP} {WIDE_ONLY}")>{s.currency.code()}</td>
                    <td class=TD_SHADED_NOWRAP>{s.status.label()}</td>
                    <td class=TD_SHADED_MONEY>{format_money(Money::new(s.lines_total_minor, s.currency))}</td>
                    <td class=TD_SHADED_MONEY>{balance}</td>
                    <td class=TD_SHADED_NOWRAP>{payout_label(&s.payout)}</td>
                    <td class=TD_SHADED_NOWRAP><a class="text-brand underline" href=format!("/statements/{}/csv", s.id) download="">"CSV"<span class="sr-only">{format!(" of {} {}", s.month.label(), s.currency.code())}</span></a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable
            look=TableLook::Shaded
            testid="statements"
            empty="No statements yet: one opens with the first revenue of a month."
            head=vec![
                Head::from("Partner").when(with_partner).sorts(partner), Head::from("Month").sorts(month),
                Head::from("Currency").wide_only(), "Status".into(),
                Head::figure("Commission").sorts(commission), Head::figure("Balance").sorts(balance),
                "Payout".into(), Head::quiet("Download"),
            ]
            sorting
            rows
        />
    }
}

/// The next step of a payout for staff: approve it, then record its payment.
#[component]
pub(super) fn PayoutActions(p: Payout, back: String, pay: ServerAction<MovePayout>) -> impl IntoView {
    let id = p.id.to_string();
    let version = p.version.to_string();
    let ref_id = format!("reference-{}", p.id);
    match p.status {
        PayoutStatus::Pending => view! {
            <Form action=pay key=id.clone() anchored=false banner=false>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=version/>
                <input type="hidden" name="action" value="approve"/>
                <input type="hidden" name="back" value=back/>
                <button type="submit" class=format!("{BUTTON} mt-2")>{format!("Approve {}", format_money(p.amount))}</button>
            </Form>
        }
        .into_any(),
        PayoutStatus::Approved => view! {
            <Form action=pay key=id.clone() anchored=false banner=false>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=version/>
                <input type="hidden" name="action" value="pay"/>
                <input type="hidden" name="back" value=back/>
                <label for=ref_id.clone() class="mt-2 block text-sm font-medium">"Payment reference"</label>
                <input id=ref_id name="reference" required class=INPUT value=drafted("reference")/>
                <button type="submit" class=format!("{BUTTON} mt-2")>"Mark as paid"</button>
            </Form>
        }
        .into_any(),
        PayoutStatus::Paid => ().into_any(),
    }
}
