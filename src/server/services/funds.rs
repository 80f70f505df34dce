//! Co-marketing fund use cases: the partner's funds page (budget, requests,
//! bounties), requesting, claiming with proof, managers' decisions, and the
//! proof download. The budget arithmetic is `domain::funds`; the store
//! re-checks it inside each transaction.

use crate::domain::account::CurrentUser;
use crate::domain::application::RevenueModel;
use crate::domain::audit;
use crate::domain::certification::CertState;
use crate::domain::funds::{
    activity_heading, bounty_state, check_claim, check_proof_file, committed, format_money, fund_budget, fund_step,
    needs_reason, no_budget_reason, parse_activity_date, parse_amount, parse_proof_link, parse_text, ActivityKind,
    BudgetUse, Commitment, FundAction, FundRequest, FundStatus, Quarter, REASON_MAX, TITLE_MAX,
};
use crate::domain::ledger::BOUNTY_MILESTONES;
use crate::domain::revenue::Money;
use crate::domain::role::{OrgAccess, Permission};
use crate::domain::terms::{in_force, TermsVersion};
use crate::error::{AppError, FieldError};
use crate::server::checks::Checks;
use crate::server::context::{store_error, Ctx};
use crate::server::emails::{self, Wording};
use crate::server::services::partners::org_for;
use crate::server::store::{FundClaim, FundMove, NewFundRequest, OutgoingEmail, ProofFile};
use crate::views::funds::{BountyView, FundReview, FundsView, QueueItem};
use chrono::{DateTime, NaiveDate};
use serde_json::json;

fn today(ctx: &Ctx) -> NaiveDate {
    ctx.now().date_naive()
}

fn day_start_ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0)
}

/// The terms in force at `at_ms` (the first version before any took effect).
fn terms_at(versions: &[TermsVersion], at_ms: i64) -> Option<&TermsVersion> {
    in_force(versions, at_ms).or(versions.first())
}

/// A quarter's budget and what its requests hold, from the partner's list.
fn budget_use(
    versions: &[TermsVersion],
    state: CertState,
    requests: &[FundRequest],
    quarter: Quarter,
    at_ms: i64,
) -> Result<BudgetUse, String> {
    let tv = terms_at(versions, at_ms).ok_or_else(|| "No terms are in force yet.".to_owned())?;
    let budget = fund_budget(&tv.terms, state).ok_or_else(|| no_budget_reason(&tv.terms, state).to_owned())?;
    let list: Vec<Commitment> = requests
        .iter()
        .filter(|r| r.quarter == quarter && r.requested.currency == budget.currency)
        .map(|r| Commitment {
            status: r.status,
            requested_minor: r.requested.minor,
            approved_minor: r.approved.map(|a| a.minor),
        })
        .collect();
    Ok(BudgetUse { quarter, budget, committed: Money::new(committed(&list), budget.currency) })
}

pub async fn view(ctx: &Ctx, org: Option<i64>) -> Result<FundsView, AppError> {
    let user = ctx.require_user().await?;
    let (org, access) = org_for(&user, org)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let cert = store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let versions = store.terms_versions(brand, org).await.map_err(store_error)?;
    let requests = store.fund_requests(brand, org).await.map_err(store_error)?;
    let now = ctx.now();
    // This quarter's budget: the terms in force today.
    let current = terms_at(&versions, now.timestamp_millis());
    let (budget, no_budget) =
        match budget_use(&versions, cert.state, &requests, Quarter::of(now), now.timestamp_millis()) {
            Ok(b) => (Some(b), None),
            Err(reason) => (None, Some(reason)),
        };
    let technology = current.is_some_and(|tv| tv.terms.model == RevenueModel::Technology);
    let mut bounties = Vec::new();
    if technology {
        let lines = store.bounty_lines(brand, org).await.map_err(store_error)?;
        let terms = current.map(|tv| &tv.terms);
        for m in BOUNTY_MILESTONES {
            let line = lines.iter().find(|(milestone, _, _)| milestone == m);
            let in_terms = terms.and_then(|t| t.bounties.iter().find(|(k, _)| k == m)).map(|(_, a)| *a);
            let amount = match (line, in_terms) {
                // Once earned, the amount is what the line paid.
                (Some((_, amount, _)), _) => *amount,
                (None, Some(a)) if a > 0 => match crate::domain::revenue::Currency::parse(
                    &terms.map(|t| t.currency.clone()).unwrap_or_default(),
                ) {
                    Ok(c) => Money::new(a, c),
                    Err(_) => continue,
                },
                _ => continue,
            };
            bounties.push(BountyView {
                milestone: (*m).to_owned(),
                amount,
                state: bounty_state(line.map(|(_, _, payout)| *payout)),
            });
        }
    }
    Ok(FundsView {
        organisation_id: org,
        organisation: cert.organisation,
        can_request: budget.is_some() && access == OrgAccess::OwnOrganisation,
        staff: matches!(access, OrgAccess::Staff { .. }),
        budget,
        no_budget,
        requests,
        technology,
        bounties,
        today: today(ctx).to_string(),
    })
}

pub async fn review(ctx: &Ctx) -> Result<FundReview, AppError> {
    ctx.require(Permission::ReviewApplications).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let queue = store.fund_queue(brand).await.map_err(store_error)?;
    let mut items = Vec::new();
    let mut orgs: std::collections::HashMap<i64, (Vec<TermsVersion>, CertState, Vec<FundRequest>)> =
        std::collections::HashMap::new();
    for r in queue {
        if let std::collections::hash_map::Entry::Vacant(slot) = orgs.entry(r.organisation_id) {
            let versions = store.terms_versions(brand, r.organisation_id).await.map_err(store_error)?;
            let state = store
                .certification(brand, r.organisation_id)
                .await
                .map_err(store_error)?
                .map(|c| c.state)
                .unwrap_or(CertState::Registered);
            let all = store.fund_requests(brand, r.organisation_id).await.map_err(store_error)?;
            slot.insert((versions, state, all));
        }
        let budget = orgs
            .get(&r.organisation_id)
            .and_then(|(versions, state, all)| budget_use(versions, *state, all, r.quarter, r.activity_ms).ok());
        items.push(QueueItem { request: r, budget });
    }
    Ok(FundReview { items, now_ms: ctx.now().timestamp_millis() })
}

/// The partner user acting on its own organisation, or an error that
/// reveals nothing about other partners' requests.
fn own_org(user: &CurrentUser, org: Option<i64>) -> Result<i64, AppError> {
    match org_for(user, org) {
        Ok((org, OrgAccess::OwnOrganisation)) => Ok(org),
        Ok((_, OrgAccess::Staff { .. })) => {
            Err(AppError::Refused("Only the partner's own people request and claim funds.".into()))
        }
        Err(AppError::Forbidden) if org.is_some() => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

pub async fn request(ctx: &Ctx, kind: &str, title: &str, date: &str, amount: &str) -> Result<i64, AppError> {
    let user = ctx.require_user().await?;
    let org = own_org(&user, None)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let mut checks = Checks::default();
    let kind = checks.check("kind", ActivityKind::parse(kind).ok_or("Choose the kind of activity."));
    let title = checks.check("title", parse_text(title, TITLE_MAX, "Describe the activity in a few words."));
    let date = checks.check("date", parse_activity_date(date, today(ctx)));
    // The amount is in the currency of the terms in force on the activity's
    // day (today's terms until a date is valid).
    let versions = store.terms_versions(brand, org).await.map_err(store_error)?;
    let cert = store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let at = date.map(day_start_ms).unwrap_or_else(|| ctx.now().timestamp_millis());
    let tv = terms_at(&versions, at).ok_or(AppError::NotFound)?;
    let Some(budget) = fund_budget(&tv.terms, cert.state) else {
        return Err(AppError::Refused(no_budget_reason(&tv.terms, cert.state).to_owned()));
    };
    let amount = checks.check("amount", parse_amount(amount, budget.currency));
    checks.finish()?;
    let (Some(kind), Some(title), Some(date), Some(amount)) = (kind, title, date, amount) else {
        return Err(AppError::Internal);
    };
    let new = NewFundRequest {
        organisation_id: org,
        kind,
        title: title.clone(),
        activity_ms: day_start_ms(date),
        requested_minor: amount,
        requested_by: user.id,
    };
    let a = ctx
        .audit(
            Some(&user),
            audit::FUND_REQUESTED,
            String::new(),
            json!({ "organisation_id": org, "kind": kind.key(), "title": title, "date": date.to_string(),
                "amount": Money::new(amount, budget.currency).to_string() }),
        )
        .about(org);
    match store.request_funds(brand, &new, a).await.map_err(store_error)? {
        Ok(id) => Ok(id),
        Err(over) => Err(AppError::field("amount", over.to_string())),
    }
}

/// The owners' emails about a decision, in the partner's own brand's
/// wording if it is a white-label partner.
async fn decision_mails(ctx: &Ctx, r: &FundRequest, outcome: &str, note: &str) -> Result<Vec<OutgoingEmail>, AppError> {
    let email = Wording::FundDecision {
        organisation: r.organisation.clone(),
        activity: activity_heading(r.kind, &r.title),
        outcome: outcome.to_owned(),
        note: note.to_owned(),
        link: format!("{}/funds", ctx.public_url()),
    };
    emails::to_owners(ctx, r.organisation_id, &email).await
}

pub async fn decide(ctx: &Ctx, id: i64, version: i64, action: &str, reason: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let action = FundAction::parse(action).ok_or_else(|| AppError::Refused("Unknown action.".into()))?;
    let r = store.fund_request(brand, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    // The partner withdraws its own requests; staff decide everything else.
    let partner_org = if action == FundAction::Withdraw {
        Some(own_org(&user, Some(r.organisation_id))?)
    } else if !crate::domain::role::can(user.role, Permission::ReviewApplications) {
        // Its own partner is refused; anyone else learns nothing.
        let own = user.organisation.as_ref().is_some_and(|o| o.id == r.organisation_id);
        return Err(if own { AppError::Forbidden } else { AppError::NotFound });
    } else {
        None
    };
    if r.version != version {
        return Err(AppError::Conflict("The request changed since you looked. Reload and try again.".into()));
    }
    let to = fund_step(r.status, action).map_err(|e| AppError::Refused(e.to_string()))?;
    let note = if needs_reason(action) {
        Some(parse_text(reason, REASON_MAX, "Give the partner a reason.").map_err(|m| AppError::field("reason", m))?)
    } else {
        None
    };
    let approved = r.approved.unwrap_or(r.requested);
    let outcome = match action {
        FundAction::Approve => Some(format!("approved for {}", format_money(r.requested))),
        FundAction::Reject => Some("not approved".to_owned()),
        FundAction::ApproveClaim => Some(format!(
            "claim of {} approved; it is on your revenue statement",
            format_money(r.claim.unwrap_or(approved))
        )),
        FundAction::RejectClaim => Some("claim not approved; you can claim again".to_owned()),
        FundAction::Withdraw => None,
    };
    let mails = match &outcome {
        Some(o) => decision_mails(ctx, &r, o, note.as_deref().unwrap_or_default()).await?,
        None => Vec::new(),
    };
    let what = match action {
        FundAction::Approve => audit::FUND_APPROVED,
        FundAction::Reject => audit::FUND_REJECTED,
        FundAction::Withdraw => audit::FUND_WITHDRAWN,
        FundAction::ApproveClaim => audit::FUND_CLAIM_APPROVED,
        FundAction::RejectClaim => audit::FUND_CLAIM_REJECTED,
    };
    let a = ctx.audit(
        Some(&user),
        what,
        format!("fund_request:{id}"),
        json!({ "organisation_id": r.organisation_id, "before": r.status.key(), "after": to.key(), "reason": note }),
    ).about(r.organisation_id);
    let change =
        FundMove { id, organisation_id: partner_org, version, from: r.status, to, note: note.as_deref(), by: user.id };
    match store.move_fund_request(brand, change, mails, a).await.map_err(store_error)? {
        Ok(()) => Ok(()),
        Err(over) => Err(AppError::Refused(format!("Not approved: {over}"))),
    }
}

/// A proof file as uploaded: its name and bytes.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A file name safe to hand back in a download: letters, digits, dots,
/// dashes and underscores, with the extension of the sniffed type.
fn safe_file_name(name: &str, ext: &str) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = stem.rsplit_once('.').map(|(s, _)| s).unwrap_or(stem);
    let clean: String = stem.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).take(80).collect();
    format!("{}.{ext}", if clean.is_empty() { "proof" } else { &clean })
}

pub async fn claim(
    ctx: &Ctx,
    id: i64,
    version: &str,
    amount: &str,
    link: &str,
    file: Option<Upload>,
) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let r = store.fund_request(brand, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let org = own_org(&user, Some(r.organisation_id))?;
    if version.trim().parse::<i64>().ok() != Some(r.version) {
        return Err(AppError::Conflict("The request changed since you looked. Reload and try again.".into()));
    }
    if r.status != FundStatus::Approved {
        return Err(AppError::Refused(format!(
            "This request is {}; only an approved request is claimed.",
            r.status.label().to_lowercase()
        )));
    }
    let approved = r.approved.unwrap_or(r.requested);
    let mut checks = Checks::default();
    let amount = checks.check("amount", parse_amount(amount, approved.currency));
    let link = checks.check("link", parse_proof_link(link)).flatten();
    // A file input left empty posts a part with no name and no bytes.
    let (file, had_file_error) = match file.filter(|f| !f.bytes.is_empty() || !f.file_name.is_empty()) {
        None => (None, false),
        Some(f) => match check_proof_file(&f.bytes) {
            Ok(content_type) => {
                let ext = crate::domain::upload::sniff_document(&f.bytes).map(|(_, e)| e).unwrap_or("bin");
                let name = safe_file_name(&f.file_name, ext);
                (Some(ProofFile { content_type: content_type.to_owned(), file_name: name, bytes: f.bytes }), false)
            }
            Err(message) => {
                checks.check::<(), _>("file", Err(message));
                (None, true)
            }
        },
    };
    let activity = DateTime::from_timestamp_millis(r.activity_ms).unwrap_or_default().date_naive();
    let mut errors: Vec<FieldError> = Vec::new();
    if let Some(a) = amount {
        for (field, message) in
            check_claim(activity, today(ctx), approved, a, link.is_some() || file.is_some() || had_file_error)
        {
            errors.push(FieldError { field: field.into(), message });
        }
    }
    match checks.finish() {
        Err(AppError::Invalid(mut list)) => {
            list.extend(errors);
            return Err(AppError::Invalid(list));
        }
        Err(e) => return Err(e),
        Ok(()) if !errors.is_empty() => return Err(AppError::Invalid(errors)),
        Ok(()) => {}
    }
    let Some(amount) = amount else { return Err(AppError::Internal) };
    let a = ctx
        .audit(
            Some(&user),
            audit::FUND_CLAIMED,
            format!("fund_request:{id}"),
            json!({ "organisation_id": org, "amount": Money::new(amount, approved.currency).to_string(), "link": link,
                "file": file.as_ref().map(|f| json!({ "type": f.content_type, "bytes": f.bytes.len() })) }),
        )
        .about(org);
    let c = FundClaim { id, organisation_id: org, version: r.version, amount_minor: amount, link, file, by: user.id };
    store.claim_funds(brand, c, a).await.map_err(store_error)
}

/// A claim's proof file, for staff and the partner's own people.
pub async fn proof(ctx: &Ctx, id: i64) -> Result<ProofFile, AppError> {
    let user = ctx.require_user().await?;
    let (org, file) =
        ctx.state.store.fund_proof_file(ctx.meta.brand.id, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    org_for(&user, Some(org)).map_err(|_| AppError::NotFound)?;
    Ok(file)
}
