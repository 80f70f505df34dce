//! Applications, their review, and onboarding plans.

use crate::domain::account::parse_display_name;
use crate::domain::account::CurrentUser;
use crate::domain::application::{
    ApplicationDetail, ApplicationInput, ApplicationStatus, Decision, NewApplication, PartnerKind,
};
use crate::domain::audit;
use crate::domain::email::Email;
use crate::domain::evaluation::{summarise, Criterion, Scores};
use crate::domain::onboarding::TemplateItem;
use crate::domain::onboarding::{progress, progress_by_phase, stalls, Binding, PartnerSort, Phase, PARTNER_COLUMNS};
use crate::domain::role::{may_manage_team, organisation_access, OrgAccess, OrgAccessError, OrgRole, Permission, Role};
use crate::domain::terms::{default_terms, Terms};
use crate::domain::throttle::APPLY_ADDRESS;
use crate::domain::token::TokenPurpose;
use crate::error::{AppError, FieldError};
use crate::server::auth::{hash_password, new_token};
use crate::server::checks::Checks;
use crate::server::context::{store_error, Ctx};
use crate::server::emails::{application_received_email, decision_email, existing_account_email, invitation_email};
use crate::server::store::{Actor, DecisionRecord, NewToken, StoreError};
use crate::server::throttle;
use crate::views::partners::{PartnerRow, PartnersOverview, PlanView, QueueView, Review, TeamView};
use serde_json::json;

fn invalid(errors: Vec<(&'static str, String)>) -> AppError {
    AppError::Invalid(errors.into_iter().map(|(f, m)| FieldError { field: f.into(), message: m }).collect())
}

/// A visitor applies; the applicant's account is created with no usable
/// password, and the emailed link confirms the address and sets one.
pub async fn apply(ctx: &Ctx, input: &ApplicationInput) -> Result<(), AppError> {
    // Applications are to the program itself, never on a partner's domain.
    if !ctx.meta.brand.is_default {
        return Err(AppError::NotFound);
    }
    let app: NewApplication = input.parse().map_err(invalid)?;
    if let Err(over) = throttle::count(ctx, &[(APPLY_ADDRESS, ctx.meta.client_ip.as_str())]).await? {
        return Err(over.refusal("applications"));
    }
    let now = ctx.now();
    let (raw, hash) = new_token();
    let link = format!("{}/welcome?token={raw}", ctx.public_url());
    let mail =
        application_received_email(app.email.as_str(), &app.contact_name, &app.company, &ctx.meta.brand.name, &link);
    let token = NewToken {
        token_hash: hash,
        brand_id: ctx.meta.brand.id,
        email: app.email.to_string(),
        user_id: None,
        role: None,
        display_name: None,
        org: None,
        created_by: None,
        created_at: now,
        expires_at: now + TokenPurpose::Application.lifetime(),
    };
    let mut a = ctx.audit(None, audit::APPLICATION_SUBMITTED, String::new(), json!({ "after": { "company": app.company, "email": app.email.as_str(), "revenue_model": app.revenue_model.key() } }));
    a.actor_email = app.email.to_string();
    // A real hash of a secret nobody knows, so signing in to the account
    // costs the same time as any other until the applicant sets a password.
    let unusable = hash_password(new_token().0).await?;
    match ctx.state.store.submit_application(ctx.meta.brand.id, &app, &unusable, token, mail, a).await {
        Ok(_) => Ok(()),
        // The address has an account already. Saying so would tell anyone
        // which addresses have accounts: the answer is the same as for a new
        // application, and the address's owner hears what happened.
        Err(StoreError::Conflict(_)) => {
            let sign_in = format!("{}/login", ctx.public_url());
            let reset = format!("{}/forgot-password", ctx.public_url());
            let mail = existing_account_email(app.email.as_str(), &ctx.meta.brand.name, &sign_in, &reset);
            ctx.state.store.queue_email(mail, now).await.map_err(store_error)
        }
        Err(e) => Err(store_error(e)),
    }
}

/// One page of the review queue; a page past the end shows the last.
pub async fn queue(ctx: &Ctx, status: &str, kind: &str, page: usize) -> Result<QueueView, AppError> {
    use crate::views::partners::QUEUE_PAGE;
    ctx.require(Permission::ReviewApplications).await?;
    if !kind.is_empty() && !PartnerKind::TYPES.iter().any(|(t, _)| *t == kind) {
        return Err(AppError::field("kind", "Choose a partner type."));
    }
    if !status.is_empty() && ApplicationStatus::parse(status).is_none() {
        return Err(AppError::field("status", "Choose a status."));
    }
    let store = &ctx.state.store;
    let per = QUEUE_PAGE as i64;
    // Kept within what an SQL offset holds; past the end reads the last page.
    let mut page = page.clamp(1, u32::MAX as usize);
    let (mut items, total) = store
        .application_queue(ctx.meta.brand.id, status, kind, (page as i64 - 1) * per, per)
        .await
        .map_err(store_error)?;
    let pages = (total as usize).div_ceil(QUEUE_PAGE).max(1);
    if page > pages {
        page = pages;
        let offset = (page as i64 - 1) * per;
        items = store.application_queue(ctx.meta.brand.id, status, kind, offset, per).await.map_err(store_error)?.0;
    }
    Ok(QueueView { now_ms: ctx.now().timestamp_millis(), items, page, pages, total: total as usize })
}

pub async fn review(ctx: &Ctx, id: i64) -> Result<Review, AppError> {
    let viewer = ctx.require(Permission::ReviewApplications).await?;
    let application =
        ctx.state.store.application(ctx.meta.brand.id, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let cards: Vec<Scores> = application.scorecards.iter().map(|c| c.scores).collect();
    Ok(Review { summary: summarise(&cards), application, viewer_id: viewer.id })
}

pub async fn score(ctx: &Ctx, id: i64, values: [&str; 5], notes: [&str; 5]) -> Result<(), AppError> {
    let manager = ctx.require(Permission::ReviewApplications).await?;
    let mut errors: Vec<FieldError> = Vec::new();
    let scores = match Scores::parse(values) {
        Ok(s) => Some(s),
        Err(list) => {
            errors.extend(list.into_iter().map(|(c, e)| FieldError { field: c.key().into(), message: e.to_string() }));
            None
        }
    };
    let mut clean: [String; 5] = Default::default();
    for (i, c) in Criterion::ALL.into_iter().enumerate() {
        let n = notes[i].trim();
        if n.is_empty() || n.chars().count() > 2000 {
            errors.push(FieldError {
                field: format!("{}_note", c.key()),
                message: format!("Add a note on {} (up to 2000 characters).", c.label()),
            });
        }
        clean[i] = n.to_owned();
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let scores = scores.expect("checked");
    let a = ctx.audit(
        Some(&manager),
        audit::APPLICATION_SCORED,
        format!("application:{id}"),
        json!({ "after": { "scores": scores.0, "weighted": scores.weighted_hundredths() } }),
    );
    ctx.state.store.save_scorecard(ctx.meta.brand.id, id, manager.id, scores, &clean, a).await.map_err(store_error)
}

pub async fn decide(ctx: &Ctx, id: i64, version: i64, kind: &str, text: &str) -> Result<(), AppError> {
    let manager = ctx.require(Permission::ReviewApplications).await?;
    let text = text.trim();
    let decision = match kind {
        "approve" => Decision::Approve,
        "reject" if !text.is_empty() => Decision::Reject { reason: text.to_owned() },
        "reject" => return Err(AppError::field("reason", "Give the applicant a reason.")),
        "request_info" if !text.is_empty() => Decision::RequestInfo { question: text.to_owned() },
        "request_info" => return Err(AppError::field("question", "Write the question for the applicant.")),
        _ => return Err(AppError::field("decision", "Choose a decision.")),
    };
    if text.chars().count() > 4000 {
        return Err(AppError::field(
            if kind == "reject" { "reason" } else { "question" },
            "Use at most 4000 characters.",
        ));
    }
    let store = &ctx.state.store;
    let app = store.application(ctx.meta.brand.id, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let terms: Terms = default_terms(app.revenue_model);
    let mail = decision_email(&app.email, &app.contact_name, &ctx.meta.brand.name, &decision, &ctx.public_url());
    let action = match decision {
        Decision::Approve => audit::APPLICATION_APPROVED,
        Decision::Reject { .. } => audit::APPLICATION_REJECTED,
        Decision::RequestInfo { .. } => audit::APPLICATION_INFO_REQUESTED,
    };
    let a = ctx.audit(
        Some(&manager),
        action,
        format!("application:{id}"),
        json!({ "before": { "status": app.status.key() }, "after": { "status": decision.status().key(), "note": text } }),
    );
    store
        .decide_application(
            ctx.meta.brand.id,
            DecisionRecord { application_id: id, version, decision: &decision, terms: &terms, decided_by: manager.id },
            mail,
            a,
        )
        .await
        .map_err(store_error)?;
    Ok(())
}

/// The signed-in applicant's own application.
pub async fn my_application(ctx: &Ctx) -> Result<Option<ApplicationDetail>, AppError> {
    let user = ctx.require_user().await?;
    ctx.state.store.application_of_user(ctx.meta.brand.id, user.id).await.map_err(store_error)
}

pub async fn answer(ctx: &Ctx, answer: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let answer = answer.trim();
    if answer.is_empty() || answer.chars().count() > 4000 {
        return Err(AppError::field("answer", "Write your answer (up to 4000 characters)."));
    }
    let a = ctx.audit(
        Some(&user),
        audit::APPLICATION_ANSWERED,
        format!("user:{}", user.id),
        json!({ "after": { "answer": answer } }),
    );
    ctx.state.store.answer_application(ctx.meta.brand.id, user.id, answer, a).await.map_err(store_error)
}

/// The organisation whose plan the request concerns, if the user may see it.
pub(crate) fn org_for(user: &CurrentUser, requested: Option<i64>) -> Result<(i64, OrgAccess), AppError> {
    organisation_access(user.role, user.organisation.as_ref().map(|o| o.id), requested).map_err(|e| match e {
        OrgAccessError::NoOrganisation => AppError::NotFound,
        OrgAccessError::Forbidden => AppError::Forbidden,
    })
}

pub async fn plan(ctx: &Ctx, org: Option<i64>) -> Result<PlanView, AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = org_for(&user, org)?;
    let store = &ctx.state.store;
    let items = store.plan(ctx.meta.brand.id, org).await.map_err(store_error)?;
    if items.is_empty() {
        return Err(AppError::NotFound);
    }
    let name =
        store.certification(ctx.meta.brand.id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?.organisation;
    let now = ctx.now();
    let terms = store.current_terms(ctx.meta.brand.id, org).await.map_err(store_error)?;
    Ok(PlanView {
        organisation_id: org,
        organisation: name,
        overall: progress(&items, now),
        phases: progress_by_phase(&items, now),
        items,
        now_ms: now.timestamp_millis(),
        terms,
    })
}

pub async fn set_item(ctx: &Ctx, org: i64, item: i64, done: bool) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = org_for(&user, Some(org))?;
    let action = if done { audit::PLAN_ITEM_DONE } else { audit::PLAN_ITEM_UNDONE };
    let a = ctx
        .audit(
            Some(&user),
            action,
            format!("onboarding_item:{item}"),
            json!({ "organisation": org, "after": { "done": done } }),
        )
        .about(org);
    let actor = Actor { id: Some(user.id), label: user.email.clone() };
    ctx.state.store.set_plan_item(ctx.meta.brand.id, org, item, done, &actor, a).await.map_err(store_error)
}

/// Later features call this when a bound system event happens.
pub async fn raise(ctx: &Ctx, org: i64, binding: Binding) -> Result<u64, AppError> {
    ctx.state.store.raise_onboarding_event(org, binding, ctx.now()).await.map_err(store_error)
}

/// One page of the partner list in the chosen order (`PARTNER_COLUMNS`),
/// only partners whose name holds `q` if given, with where partners stall
/// across the program; a page past the end shows the last.
pub async fn partners(ctx: &Ctx, sort: &str, dir: &str, q: &str, page: usize) -> Result<PartnersOverview, AppError> {
    use crate::domain::listing::{like_pattern, order, page_of, search};
    use crate::views::partners::PARTNERS_PAGE;
    ctx.require(Permission::ReviewApplications).await?;
    let (store, brand, now) = (&ctx.state.store, ctx.meta.brand.id, ctx.now());
    let order = order(&PARTNER_COLUMNS, sort, dir);
    let search = search(q);
    let pattern = search.as_deref().map(like_pattern);
    let total = store.planned_partner_count(brand, pattern.as_deref()).await.map_err(store_error)?.max(0) as usize;
    let (page, pages) = page_of(page, total, PARTNERS_PAGE);
    let per = PARTNERS_PAGE as i64;
    let rows = store
        .partner_progress_page(brand, PartnerSort::of(&order), pattern.as_deref(), now, (page as i64 - 1) * per, per)
        .await
        .map_err(store_error)?;
    let partners = rows
        .into_iter()
        .map(|r| PartnerRow {
            organisation_id: r.organisation_id,
            organisation: r.organisation,
            approved_at_ms: r.approved_at_ms,
            progress: r.progress,
        })
        .collect();
    let stalls = stalls(&store.stall_counts(brand, now).await.map_err(store_error)?);
    Ok(PartnersOverview { partners, stalls, page, pages, total, order, search })
}

pub async fn template(ctx: &Ctx) -> Result<Vec<TemplateItem>, AppError> {
    ctx.require(Permission::ManagePlanTemplate).await?;
    ctx.state.store.template_items().await.map_err(store_error)
}

pub async fn add_template_item(ctx: &Ctx, phase: &str, title: &str, binding: &str) -> Result<(), AppError> {
    let admin = ctx.require(Permission::ManagePlanTemplate).await?;
    let mut errors = Vec::new();
    let phase = Phase::parse(phase);
    if phase.is_none() {
        errors.push(("phase", "Choose a phase.".to_owned()));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(("title", "Write the item (up to 200 characters).".to_owned()));
    }
    let binding = match binding {
        "" => None,
        b => match Binding::parse(b) {
            Some(b) => Some(b),
            None => {
                errors.push(("binding", "Choose an event or none.".to_owned()));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let phase = phase.expect("checked");
    let a = ctx.audit(
        Some(&admin),
        audit::TEMPLATE_CHANGED,
        "onboarding_template".into(),
        json!({ "after": { "added": title, "phase": phase.key() } }),
    );
    ctx.state.store.add_template_item(phase, title, binding, a).await.map_err(store_error)?;
    Ok(())
}

pub async fn remove_template_item(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let admin = ctx.require(Permission::ManagePlanTemplate).await?;
    let before = ctx
        .state
        .store
        .template_items()
        .await
        .map_err(store_error)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)?;
    let a = ctx.audit(
        Some(&admin),
        audit::TEMPLATE_CHANGED,
        "onboarding_template".into(),
        json!({ "before": { "removed": before.title, "phase": before.phase.key() } }),
    );
    ctx.state.store.remove_template_item(id, a).await.map_err(store_error)
}

/// The signed-in partner's organisation: (user, organisation id, name, role).
async fn own_org(ctx: &Ctx) -> Result<(CurrentUser, i64, String, OrgRole), AppError> {
    let user = ctx.require_user().await?;
    match (&user.organisation, user.role) {
        (Some(o), Role::Partner) => {
            let (id, name, role) = (o.id, o.name.clone(), o.org_role);
            Ok((user, id, name, role))
        }
        _ => Err(AppError::Forbidden),
    }
}

pub async fn team(ctx: &Ctx) -> Result<TeamView, AppError> {
    let (user, org, name, org_role) = own_org(ctx).await?;
    let store = &ctx.state.store;
    let members = store.org_members(ctx.meta.brand.id, org).await.map_err(store_error)?;
    let invitations = store.pending_org_invitations(ctx.meta.brand.id, org, ctx.now()).await.map_err(store_error)?;
    Ok(TeamView {
        organisation: name,
        members,
        invitations,
        can_manage: may_manage_team(user.role, Some(org_role)),
        viewer_id: user.id,
    })
}

/// An owner invites a colleague into the organisation as owner or member.
pub async fn invite_colleague(ctx: &Ctx, email: &str, name: &str, org_role: &str) -> Result<String, AppError> {
    let (owner, org, org_name, role) = own_org(ctx).await?;
    if !may_manage_team(owner.role, Some(role)) {
        return Err(AppError::Forbidden);
    }
    let mut checks = Checks::default();
    let email = checks.check("email", Email::parse(email));
    let name = checks.check("display_name", parse_display_name(name));
    let org_role = checks.check("org_role", org_role.parse::<OrgRole>().map_err(|_| "Choose owner or member."));
    checks.finish()?;
    let (email, name, org_role) = (email.expect("checked"), name.expect("checked"), org_role.expect("checked"));
    let now = ctx.now();
    let (raw, hash) = new_token();
    let link = format!("{}/invitation?token={raw}", ctx.public_url());
    let brand = format!("{org_name} on {}", ctx.meta.brand.name);
    let mail = invitation_email(email.as_str(), &name, Role::Partner, &owner.display_name, &brand, &link);
    let token = NewToken {
        token_hash: hash,
        brand_id: ctx.meta.brand.id,
        email: email.to_string(),
        user_id: None,
        role: Some(Role::Partner),
        display_name: Some(name.clone()),
        org: Some((org, org_role)),
        created_by: Some(owner.id),
        created_at: now,
        expires_at: now + TokenPurpose::Invitation.lifetime(),
    };
    let a = ctx
        .audit(
            Some(&owner),
            audit::INVITATION_SENT,
            format!("email:{email}"),
            json!({ "after": { "email": email.as_str(), "organisation": org, "org_role": org_role.as_str() } }),
        )
        .about(org);
    ctx.state.store.create_invitation(token, mail, a).await.map_err(|e| match store_error(e) {
        AppError::Conflict(m) => AppError::field("email", m),
        other => other,
    })?;
    Ok(email.to_string())
}

pub async fn remove_colleague(ctx: &Ctx, user_id: i64) -> Result<(), AppError> {
    let (owner, org, _, role) = own_org(ctx).await?;
    if !may_manage_team(owner.role, Some(role)) {
        return Err(AppError::Forbidden);
    }
    if owner.id == user_id {
        return Err(AppError::Refused("You cannot remove yourself. Ask another owner.".into()));
    }
    let a = ctx.audit(Some(&owner), audit::MEMBER_REMOVED, format!("user:{user_id}"), json!({ "organisation": org }));
    ctx.state.store.remove_org_member(ctx.meta.brand.id, org, user_id, a).await.map_err(store_error)
}
