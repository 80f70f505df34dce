//! Certification use cases and the recertification scheduler.

use crate::domain::account::CurrentUser;
use crate::domain::audit;
use crate::domain::certification::{
    allowed_events, median_days, next_step, recertification_cutoff, reminder_cutoff, support_tier, transition,
    CertActor, CertEvent, CertState, RECERT_FLAG_DAYS,
};
use crate::domain::role::{OrgAccess, Permission};
use crate::error::AppError;
use crate::server::context::{store_error, Ctx};
use crate::server::emails::{self, Wording};
use crate::server::services::partners::org_for;
use crate::server::state::AppState;
use crate::server::store::{Actor, NewAudit, OutgoingEmail, StoreError, TransitionWrite};
use crate::views::certification::{CertOverview, CertView, Waiting};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;

/// The organisation concerned and how the viewer acts on it.
fn actor_for(user: &CurrentUser, org: Option<i64>) -> Result<(i64, CertActor), AppError> {
    let (org, access) = org_for(user, org)?;
    let actor = match access {
        OrgAccess::Staff { admin: true } => CertActor::Admin,
        OrgAccess::Staff { admin: false } => CertActor::Manager,
        OrgAccess::OwnOrganisation => CertActor::Partner,
    };
    Ok((org, actor))
}

pub async fn view(ctx: &Ctx, org: Option<i64>) -> Result<CertView, AppError> {
    let user = ctx.require_user().await?;
    let (org, actor) = actor_for(&user, org)?;
    let store = &ctx.state.store;
    let rec = store.certification(ctx.meta.brand.id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let timeline = store.certification_history(ctx.meta.brand.id, org).await.map_err(store_error)?;
    Ok(CertView {
        organisation_id: org,
        organisation: rec.organisation,
        state: rec.state,
        interrupted: rec.interrupted,
        version: rec.version,
        state_since_ms: rec.state_since_ms,
        certified_at_ms: rec.certified_at_ms,
        timeline,
        allowed: allowed_events(rec.state, rec.interrupted, actor),
        tier: support_tier(rec.state),
        next_step: next_step(rec.state).to_owned(),
    })
}

/// Fires `event` on `org` as the signed-in user.
pub async fn fire(ctx: &Ctx, org: i64, version: i64, event: &str, note: &str, evidence: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (org, actor) = actor_for(&user, Some(org))?;
    let event = CertEvent::parse(event).ok_or_else(|| AppError::field("event", "Unknown certification event."))?;
    if note.chars().count() > 4000 || evidence.chars().count() > 8000 {
        return Err(AppError::field("note", "Notes and evidence are limited to 4000 and 8000 characters."));
    }
    let store = &ctx.state.store;
    let rec = store.certification(ctx.meta.brand.id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    // Evidence counts as the note of a submission.
    let note_for_rules = if event == CertEvent::SubmittedForReview { evidence } else { note };
    let t = transition(rec.state, rec.interrupted, event, actor, note_for_rules).map_err(|e| match e {
        crate::domain::certification::TransitionError::NoteRequired { .. } => {
            AppError::field(if event == CertEvent::SubmittedForReview { "evidence" } else { "note" }, e.to_string())
        }
        other => AppError::Refused(other.to_string()),
    })?;
    // Publication in the marketplace needs a listing a manager approved.
    if t.to == crate::domain::certification::CertState::Listed
        && t.from == crate::domain::certification::CertState::Certified
        && !store.has_approved_listing(ctx.meta.brand.id, org).await.map_err(store_error)?
    {
        return Err(AppError::Refused(crate::domain::marketplace::NOT_APPROVED.into()));
    }
    let email = Wording::CertificationDecision {
        organisation: rec.organisation.clone(),
        from: t.from,
        to: t.to,
        note: note.to_owned(),
        link: format!("{}/certification", ctx.public_url()),
    };
    let mails = emails::to_owners(ctx, org, &email).await?;
    let label = Actor { id: Some(user.id), label: user.email.clone() };
    let a = ctx.audit(
        Some(&user),
        audit::CERT_TRANSITION,
        format!("organisation:{org}"),
        json!({ "before": { "state": t.from.key() }, "after": { "state": t.to.key() }, "event": t.event.key(), "note": note }),
    ).about(org);
    let write = TransitionWrite { organisation_id: org, version, transition: t, actor: &label, note, evidence };
    store.record_transition(ctx.meta.brand.id, write, mails, a).await.map_err(store_error)
}

fn waiting(r: &crate::server::store::CertRecord) -> Waiting {
    Waiting {
        organisation_id: r.organisation_id,
        organisation: r.organisation.clone(),
        state: r.state,
        since_ms: r.state_since_ms,
    }
}

pub async fn overview(ctx: &Ctx) -> Result<CertOverview, AppError> {
    ctx.require(Permission::ReviewApplications).await?;
    let store = &ctx.state.store;
    let now = ctx.now();
    let all = store.certifications(ctx.meta.brand.id).await.map_err(store_error)?;
    let transitions = store.all_transitions(ctx.meta.brand.id).await.map_err(store_error)?;
    Ok(build_overview(&all, &transitions, now))
}

/// Queues and funnel from every partner's standing and every transition.
pub fn build_overview(
    all: &[crate::server::store::CertRecord],
    transitions: &[(i64, crate::server::store::TransitionRecord)],
    now: DateTime<Utc>,
) -> CertOverview {
    let now_ms = now.timestamp_millis();
    let flag_ms = chrono::Duration::days(RECERT_FLAG_DAYS).num_milliseconds();
    let review = all.iter().filter(|r| r.state == CertState::Review).map(waiting).collect();
    let stale = all
        .iter()
        .filter(|r| r.state == CertState::Recertification && now_ms - r.state_since_ms > flag_ms)
        .map(waiting)
        .collect();
    // Time in a state: from entering it to leaving it, per partner.
    let mut entered: HashMap<i64, i64> = HashMap::new();
    let mut spent: HashMap<CertState, Vec<i64>> = HashMap::new();
    for (org, t) in transitions {
        if let Some(start) = entered.insert(*org, t.at_ms) {
            spent.entry(t.from).or_default().push((t.at_ms - start) / crate::domain::DAY_MS);
        }
    }
    let funnel = CertState::ALL
        .iter()
        .map(|s| {
            (*s, all.iter().filter(|r| r.state == *s).count(), median_days(spent.get(s).cloned().unwrap_or_default()))
        })
        .collect();
    let mut longest: Vec<Waiting> = all
        .iter()
        .filter(|r| !matches!(r.state, CertState::Listed | CertState::Featured | CertState::Premier))
        .map(waiting)
        .collect();
    longest.sort_by_key(|w| w.since_ms);
    longest.truncate(10);
    CertOverview { now_ms, review, stale_recertifications: stale, funnel, longest_waiting: longest }
}

/// One pass of the scheduler: moves partners certified twelve months ago
/// into recertification and sends the thirty-day reminders. Safe with
/// several instances: transitions carry a version check and reminders are
/// claimed by one UPDATE. Returns (moved, reminded).
pub async fn run_scheduler_once(state: &AppState) -> anyhow::Result<(usize, usize)> {
    let now = state.clock.now();
    let store = &state.store;
    let mut moved = 0;
    for (brand, org, version, current) in store.due_for_recertification(recertification_cutoff(now)).await? {
        let Ok(t) = transition(current, None, CertEvent::AnnualReviewDue, CertActor::System, "") else { continue };
        let actor = Actor { id: None, label: "scheduler".into() };
        let note = "Annual review due twelve months after certification.";
        let audit = NewAudit {
            brand_id: brand,
            at: now,
            actor_id: None,
            actor_email: "scheduler".into(),
            action: audit::CERT_TRANSITION,
            subject: format!("organisation:{org}"),
            detail: json!({ "before": { "state": t.from.key() }, "after": { "state": t.to.key() }, "event": t.event.key() }),
            client_ip: "local".into(),
            organisation_id: Some(org),
        };
        let write = TransitionWrite { organisation_id: org, version, transition: t, actor: &actor, note, evidence: "" };
        match store.record_transition(brand, write, Vec::new(), audit).await {
            Ok(()) => moved += 1,
            // Another instance got there first.
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut reminded = 0;
    for (_, org, owners) in store.claim_recert_reminders(reminder_cutoff(now), now).await? {
        for to in owners {
            let mail = OutgoingEmail { from_name: None, html: None,
                to,
                subject: "Your annual certification review is due in 30 days".into(),
                text: format!(
                    "Hello,\n\nYour integration's certification is twelve months old in thirty days; its annual review \
                     starts then. Check that your integration and its documentation are current.\n\n(organisation {org})\n"
                ),
            };
            store.queue_email(mail, now).await?;
        }
        reminded += 1;
    }
    Ok((moved, reminded))
}
