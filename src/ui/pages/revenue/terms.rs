//! A partner's revenue-share terms: in words, and the editor staff use to
//! set a new version.

use crate::api::revenue::SaveRevenueTerms;
use crate::domain::application::RevenueModel;
use crate::domain::format::date_utc;
use crate::domain::revenue::{format_money, Money};
use crate::domain::terms::{format_bps, TermsVersion};
use crate::ui::components::form::{drafted_in, invalid_when, FieldMessage, Form, LastResult};
use crate::ui::components::style::{BUTTON, INPUT};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

pub(super) fn describe_terms(t: &TermsVersion) -> String {
    let x = &t.terms;
    let money = |minor: i64| {
        crate::domain::revenue::Currency::parse(&x.currency)
            .map(|c| format_money(Money::new(minor, c)))
            .unwrap_or_default()
    };
    let body = match x.model {
        RevenueModel::Referral => format!(
            "{} of a referred customer's revenue in the 12 months after its first invoice, then {}",
            format_bps(x.first_year_bps.unwrap_or(0)),
            format_bps(x.ongoing_bps.unwrap_or(0))
        ),
        RevenueModel::Reseller | RevenueModel::WhiteLabel => {
            let mut s = format!("{} margin on list price", format_bps(x.margin_bps.unwrap_or(0)));
            if !x.bonus_schedule.is_empty() {
                let tiers: Vec<String> =
                    x.bonus_schedule.iter().map(|(t, b)| format!("{} → {}", money(*t), money(*b))).collect();
                s.push_str(&format!("; quarterly volume bonus: {}", tiers.join(", ")));
            }
            s
        }
        RevenueModel::Technology => {
            let mut s = format!("co-marketing fund {} per quarter", money(x.fund_budget_minor.unwrap_or(0)));
            for (m, a) in &x.bounties {
                s.push_str(&format!("; bounty when {m}: {}", money(*a)));
            }
            s
        }
    };
    let body = match x.fund_budget_minor {
        Some(b) if b > 0 && x.model != RevenueModel::Technology => {
            format!("{body}; co-marketing fund {} per quarter once Premier", money(b))
        }
        _ => body,
    };
    format!("Version {} from {} ({}): {body}.", t.version, date_utc(t.effective_from_ms), x.currency)
}

fn pct(bps: Option<i64>) -> String {
    bps.map(|b| format_bps(b).trim_end_matches(" %").to_owned()).unwrap_or_default()
}

#[component]
pub(super) fn TermsEditor(
    org: i64,
    current: TermsVersion,
    today: String,
    can_backdate: bool,
    save: ServerAction<SaveRevenueTerms>,
    value: LastResult<()>,
) -> impl IntoView {
    let t = current.terms.clone();
    let c = crate::domain::revenue::Currency::parse(&t.currency).ok();
    let amount = move |minor: i64| {
        c.map(|c| Money::new(minor, c).to_string().trim_end_matches(c.code()).trim().to_owned()).unwrap_or_default()
    };
    let schedule: String = t.bonus_schedule.iter().map(|(a, b)| format!("{} = {}\n", amount(*a), amount(*b))).collect();
    let bounty = |m: &str| t.bounties.iter().find(|(k, _)| k == m).map(|(_, a)| amount(*a)).unwrap_or_default();
    let field = move |id: &'static str, label: &'static str, hint: &'static str, v: String| {
        let v = drafted_in(SaveRevenueTerms::PATH, id).unwrap_or(v);
        let (invalid, described, first) = invalid_when(value, id);
        view! {
            <div>
                <label for=format!("terms-{id}") class="block text-sm font-medium">{label}</label>
                <input id=format!("terms-{id}") name=id value=v class=INPUT aria-invalid=invalid aria-describedby=described autofocus=first/>
                {(!hint.is_empty()).then(|| view! { <p class="text-xs text-slate-500">{hint}</p> })}
                <FieldMessage value field=id/>
            </div>
        }
        .into_any()
    };
    let mut fields = vec![
        field(
            "effective",
            "Takes effect on",
            if can_backdate {
                "A date (UTC). Earlier lines keep their version. A past date needs a reason below."
            } else {
                "A date, today or later (UTC). Earlier lines keep their version."
            },
            today,
        ),
        field("currency", "Currency", "ISO 4217 code.", t.currency.clone()),
    ];
    match t.model {
        RevenueModel::Referral => {
            fields.push(field("first_year", "First-year rate (%)", "10 to 15 %.", pct(t.first_year_bps)));
            fields.push(field(
                "ongoing",
                "Ongoing rate (%)",
                "After the first 12 months; default 5 %.",
                pct(t.ongoing_bps),
            ));
        }
        RevenueModel::Reseller => {
            fields.push(field("margin", "Margin on list price (%)", "20 to 30 %.", pct(t.margin_bps)))
        }
        RevenueModel::WhiteLabel => {
            fields.push(field("margin", "Margin on list price (%)", "50 to 60 %.", pct(t.margin_bps)))
        }
        RevenueModel::Technology => {
            fields.push(field(
                "bounty_certified",
                "Bounty when certified",
                "Paid once; leave empty for none.",
                bounty("certified"),
            ));
            fields.push(field(
                "bounty_listed",
                "Bounty when listed",
                "Paid once; leave empty for none.",
                bounty("listed"),
            ));
        }
    }
    fields.push(field(
        "fund_budget",
        "Co-marketing fund per quarter",
        if t.model == RevenueModel::Technology {
            "Per calendar quarter; 0 for none."
        } else {
            "Per calendar quarter, drawn on once the partner is Premier; leave empty for none."
        },
        t.fund_budget_minor.map(amount).unwrap_or_default(),
    ));
    let (schedule_invalid, schedule_described, schedule_first) = invalid_when(value, "bonus_schedule");
    let (reason_invalid, reason_described, reason_first) = invalid_when(value, "reason");
    view! {
        <h3 class="mb-2 mt-5 font-semibold">"New version"</h3>
        <Form action=save>
            <input type="hidden" name="org" value=org.to_string()/>
            <div class="grid gap-4 sm:grid-cols-2">{fields}</div>
            {(t.model == RevenueModel::Reseller).then(|| view! {
                <div class="mt-4">
                    <label for="terms-bonus_schedule" class="block text-sm font-medium">"Quarterly volume bonus"</label>
                    <p class="text-xs text-slate-500">"One tier per line: quarterly revenue threshold = bonus, e.g. 100000.00 = 1000.00."</p>
                    <textarea id="terms-bonus_schedule" name="bonus_schedule" rows="3" class=INPUT
                        aria-invalid=schedule_invalid aria-describedby=schedule_described autofocus=schedule_first>
                        {drafted_in(SaveRevenueTerms::PATH, "bonus_schedule").unwrap_or(schedule)}
                    </textarea>
                    <FieldMessage value field="bonus_schedule"/>
                </div>
            })}
            {can_backdate.then(|| view! {
                <div class="mt-4">
                    <label for="terms-reason" class="block text-sm font-medium">"Reason for a past date"</label>
                    <p class="text-xs text-slate-500">
                        "Only for a date before today, e.g. moving the program's history in. Kept in the audit log."
                    </p>
                    <textarea id="terms-reason" name="reason" rows="2" class=INPUT
                        aria-invalid=reason_invalid aria-describedby=reason_described autofocus=reason_first>
                        {drafted_in(SaveRevenueTerms::PATH, "reason").unwrap_or_default()}
                    </textarea>
                    <FieldMessage value field="reason"/>
                </div>
            })}
            <button type="submit" class=format!("{BUTTON} mt-4")>"Save new version"</button>
        </Form>
    }
}
