//! Support tickets: partners open and reply, program staff answer, assign,
//! resolve and reopen. The first-response target comes from the partner's
//! support tier at opening (`domain::support`); every change writes its
//! audit row and the emails it implies in one transaction.

use crate::domain::account::CurrentUser;
use crate::domain::audit;
use crate::domain::certification::support_tier;
use crate::domain::ledger::Month;
use crate::domain::role::{can, Permission, Role};
use crate::domain::support::{
    check_resolution, clean_file_name, response_target_minutes, sla_report, sniff_attachment, Resolution, Severity,
    TicketStatus, TicketView, BODY_MAX, SUBJECT_MAX,
};
use crate::error::{AppError, FieldError};
use crate::server::checks::Checks;
use crate::server::context::{store_error, Ctx};
use crate::server::services::partners::org_for;
use crate::server::store::{
    AttachmentFile, NewAttachment, NewReply, NewTicket, OutgoingEmail, TicketFilter, TicketRecord,
};
use crate::views::support::{QueueView, ReportView, SupportView, TicketDraft, TicketPage};
use serde_json::json;

/// Where a draft that failed its checks waits for the form to show it again
/// (the form is a multipart post, so its errors cannot travel in the URL).
const DRAFT_KEY: &str = "support_draft";

/// What the opening form posts.
#[derive(Debug, Clone, Default)]
pub struct TicketForm {
    pub subject: String,
    pub severity: String,
    pub description: String,
    pub file: Option<(String, Vec<u8>)>,
}

fn is_staff(user: &CurrentUser) -> bool {
    can(user.role, Permission::ReviewApplications)
}

/// A file from a form, checked; an empty file input is no attachment.
fn attachment(checks: &mut Checks, file: Option<(String, Vec<u8>)>) -> Option<NewAttachment> {
    let (name, bytes) = file.filter(|(_, b)| !b.is_empty())?;
    let content_type = checks.check("file", sniff_attachment(&bytes))?;
    Some(NewAttachment { file_name: clean_file_name(&name), content_type: content_type.to_owned(), bytes })
}

fn text(checks: &mut Checks, field: &str, value: &str, max: usize, missing: &str) -> String {
    checks.check(field, crate::domain::text::check(value, max, true, missing)).unwrap_or_default()
}

fn mail(to: &str, subject: String, text: String) -> OutgoingEmail {
    OutgoingEmail { to: to.to_owned(), subject, text, from_name: None, html: None }
}

/// Active managers and admins: who hears of tickets nobody holds yet.
async fn staff(ctx: &Ctx) -> Result<Vec<(i64, String, String)>, AppError> {
    let users = ctx.state.store.list_users(ctx.meta.brand.id).await.map_err(store_error)?;
    Ok(users
        .into_iter()
        .filter(|u| !u.disabled && matches!(u.role, Role::Admin | Role::Manager))
        .map(|u| {
            let name = if u.display_name.is_empty() { u.email.clone() } else { u.display_name };
            (u.id, name, u.email)
        })
        .collect())
}

/// Opens a ticket for the signed-in partner. On failed checks the draft
/// is kept in the session for the form and the error returned.
pub async fn open(ctx: &Ctx, form: TicketForm) -> Result<i64, AppError> {
    let user = ctx.require_user().await?;
    let org = match (&user.organisation, user.role) {
        (Some(o), Role::Partner) => o.id,
        _ => return Err(AppError::Refused("Tickets are opened by partners from their own account.".into())),
    };
    let mut checks = Checks::default();
    let subject = text(&mut checks, "subject", &form.subject, SUBJECT_MAX, "Give the ticket a subject.");
    let description =
        text(&mut checks, "description", &form.description, BODY_MAX, "Describe the issue and what you see.");
    let severity = checks.check("severity", Severity::parse(&form.severity).ok_or("Choose a severity."));
    let file = attachment(&mut checks, form.file);
    if let Err(e) = checks.finish() {
        // What was typed comes back for fixing, but never more than the
        // limits (plus the overflow the error is about): a session holds it.
        let clip = |s: String, max: usize| s.chars().take(max + 100).collect::<String>();
        let draft = TicketDraft {
            subject: clip(form.subject, SUBJECT_MAX),
            severity: clip(form.severity, 20),
            description: clip(form.description, BODY_MAX),
            errors: match &e {
                AppError::Invalid(f) => f.clone(),
                _ => Vec::new(),
            },
        };
        let _ = ctx.session.insert(DRAFT_KEY, draft).await;
        return Err(e);
    }
    let severity = severity.expect("checked");
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let cert = store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let tier = support_tier(cert.state);
    let target_minutes = response_target_minutes(tier, severity, ctx.state.config.support_tier1_minutes);
    let managers = staff(ctx).await?;
    let base = ctx.public_url();
    let (org_name, subj, sev) = (cert.organisation.clone(), subject.clone(), severity);
    let mails = move |id: i64| {
        managers
            .iter()
            .map(|(_, _, to)| {
                mail(
                    to,
                    format!("[{}] New ticket #{id} from {org_name}: {subj}", sev.label()),
                    format!(
                        "{org_name} opened a {} ticket ({} support: first response within {}).\n\n{base}/support/tickets/{id}\n",
                        sev.label(),
                        tier.label(),
                        crate::domain::support::format_duration(target_minutes * crate::domain::support::MINUTE_MS),
                    ),
                )
            })
            .collect()
    };
    let audit = ctx.audit(
        Some(&user),
        audit::TICKET_OPENED,
        String::new(),
        json!({ "organisation_id": org, "severity": severity.key(), "tier": tier.key(), "target_minutes": target_minutes }),
    ).about(org);
    let ticket = NewTicket {
        brand_id: brand,
        organisation_id: org,
        opened_by: user.id,
        subject,
        description,
        severity,
        tier,
        target_minutes,
        opened_at: ctx.now(),
        attachment: file,
    };
    let id = store.open_ticket(ticket, &mails, audit).await.map_err(store_error)?;
    let _ = ctx.session.remove::<TicketDraft>(DRAFT_KEY).await;
    Ok(id)
}

/// A partner's tickets (staff: `?org=`), with the form's draft if the last
/// attempt failed.
pub async fn partner_view(ctx: &Ctx, org: Option<i64>) -> Result<SupportView, AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = org_for(&user, org)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let cert = store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let tier = support_tier(cert.state);
    let tickets = store
        .tickets(brand, TicketFilter { organisation_id: Some(org), limit: 200, ..Default::default() })
        .await
        .map_err(store_error)?;
    let draft = ctx.session.remove::<TicketDraft>(DRAFT_KEY).await.ok().flatten();
    let tier1 = ctx.state.config.support_tier1_minutes;
    Ok(SupportView {
        organisation_id: org,
        organisation: cert.organisation,
        tier,
        targets: Severity::ALL.iter().map(|s| (*s, response_target_minutes(tier, *s, tier1))).collect(),
        may_open: user.role == Role::Partner,
        tickets,
        draft,
        now_ms: ctx.now().timestamp_millis(),
    })
}

/// A ticket, for staff or for the partner it belongs to; anyone else gets
/// "not found", so ticket numbers reveal nothing.
async fn visible(ctx: &Ctx, user: &CurrentUser, id: i64) -> Result<TicketRecord, AppError> {
    let t = ctx.state.store.ticket(ctx.meta.brand.id, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let own = user.role == Role::Partner && user.organisation.as_ref().is_some_and(|o| o.id == t.view.organisation_id);
    if is_staff(user) || own {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn page(ctx: &Ctx, id: i64) -> Result<TicketPage, AppError> {
    let user = ctx.require_user().await?;
    let t = visible(ctx, &user, id).await?;
    let messages = ctx.state.store.ticket_messages(ctx.meta.brand.id, id).await.map_err(store_error)?;
    let staff_view = is_staff(&user);
    Ok(TicketPage {
        ticket: t.view,
        messages,
        staff: if staff_view {
            staff(ctx).await?.into_iter().map(|(id, name, _)| (id, name)).collect()
        } else {
            vec![]
        },
        is_staff: staff_view,
        now_ms: ctx.now().timestamp_millis(),
    })
}

/// Adds a reply; staff replies tell the partner who opened the ticket,
/// partner replies tell the assignee (or every manager if nobody holds it).
pub async fn reply(ctx: &Ctx, id: i64, body: &str, file: Option<(String, Vec<u8>)>) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let t = visible(ctx, &user, id).await?;
    let mut checks = Checks::default();
    let body = text(&mut checks, "body", body, BODY_MAX, "Write a reply.");
    let file = attachment(&mut checks, file);
    checks.finish()?;
    let from_staff = is_staff(&user);
    let v = &t.view;
    let link = format!("{}/support/tickets/{id}", ctx.public_url());
    let subject = format!("Re: [#{id}] {}", v.subject);
    let text_for = |who: &str| format!("{who} replied to ticket #{id}:\n\n{body}\n\n{link}\n");
    let mails = if from_staff {
        vec![mail(&t.opener_email, subject, text_for(&user.display_name))]
    } else {
        match &t.assignee_email {
            Some(to) => vec![mail(to, subject, text_for(&v.organisation))],
            None => {
                staff(ctx).await?.iter().map(|(.., to)| mail(to, subject.clone(), text_for(&v.organisation))).collect()
            }
        }
    };
    let audit = ctx
        .audit(
            Some(&user),
            audit::TICKET_REPLIED,
            format!("ticket:{id}"),
            json!({ "from_staff": from_staff, "attachment": file.as_ref().map(|f| &f.file_name) }),
        )
        .about(t.view.organisation_id);
    let reply = NewReply { author_id: user.id, from_staff, body, attachment: file };
    ctx.state.store.add_reply(ctx.meta.brand.id, id, reply, mails, audit).await.map_err(store_error)?;
    Ok(())
}

async fn staff_ticket(ctx: &Ctx, id: i64) -> Result<(CurrentUser, TicketRecord), AppError> {
    let user = ctx.require(Permission::ReviewApplications).await?;
    let t = visible(ctx, &user, id).await?;
    Ok((user, t))
}

pub async fn assign(ctx: &Ctx, id: i64, assignee: Option<i64>) -> Result<(), AppError> {
    let (user, t) = staff_ticket(ctx, id).await?;
    let all = staff(ctx).await?;
    let mails = match assignee.and_then(|a| all.iter().find(|(sid, ..)| *sid == a)) {
        Some((sid, _, to)) if *sid != user.id => vec![mail(
            to,
            format!("Ticket #{id} is yours: {}", t.view.subject),
            format!(
                "{} assigned you ticket #{id} from {}.\n\n{}/support/tickets/{id}\n",
                user.display_name,
                t.view.organisation,
                ctx.public_url()
            ),
        )],
        _ => vec![],
    };
    let audit = ctx
        .audit(
            Some(&user),
            audit::TICKET_ASSIGNED,
            format!("ticket:{id}"),
            json!({ "before": { "assignee_id": t.view.assignee_id }, "after": { "assignee_id": assignee } }),
        )
        .about(t.view.organisation_id);
    ctx.state.store.assign_ticket(ctx.meta.brand.id, id, assignee, mails, audit).await.map_err(store_error)
}

pub async fn resolve(ctx: &Ctx, id: i64, resolution: Resolution) -> Result<(), AppError> {
    let (user, t) = staff_ticket(ctx, id).await?;
    if t.view.status == TicketStatus::Resolved {
        return Err(AppError::Conflict("This ticket is already resolved.".into()));
    }
    let r = check_resolution(t.view.severity, &resolution).map_err(|errors| {
        AppError::Invalid(errors.into_iter().map(|(field, message)| FieldError { field, message }).collect())
    })?;
    let mails = vec![mail(
        &t.opener_email,
        format!("Resolved: [#{id}] {}", t.view.subject),
        format!(
            "{} resolved ticket #{id}:\n\n{}\n\n{}/support/tickets/{id}\n",
            user.display_name,
            r.summary,
            ctx.public_url()
        ),
    )];
    let audit = ctx
        .audit(Some(&user), audit::TICKET_RESOLVED, format!("ticket:{id}"), json!({ "resolution": r }))
        .about(t.view.organisation_id);
    ctx.state.store.resolve_ticket(ctx.meta.brand.id, id, user.id, &r, mails, audit).await.map_err(store_error)
}

pub async fn reopen(ctx: &Ctx, id: i64, reason: &str) -> Result<(), AppError> {
    let (user, t) = staff_ticket(ctx, id).await?;
    let mut checks = Checks::default();
    let reason = text(&mut checks, "reason", reason, BODY_MAX, "Say why the ticket is reopened.");
    checks.finish()?;
    let mails = vec![mail(
        &t.opener_email,
        format!("Reopened: [#{id}] {}", t.view.subject),
        format!("{} reopened ticket #{id}: {reason}\n\n{}/support/tickets/{id}\n", user.display_name, ctx.public_url()),
    )];
    let audit = ctx
        .audit(Some(&user), audit::TICKET_REOPENED, format!("ticket:{id}"), json!({ "reason": reason }))
        .about(t.view.organisation_id);
    ctx.state.store.reopen_ticket(ctx.meta.brand.id, id, user.id, &reason, mails, audit).await.map_err(store_error)
}

pub async fn download(ctx: &Ctx, attachment_id: i64) -> Result<AttachmentFile, AppError> {
    let user = ctx.require_user().await?;
    let file = ctx
        .state
        .store
        .attachment(ctx.meta.brand.id, attachment_id)
        .await
        .map_err(store_error)?
        .ok_or(AppError::NotFound)?;
    // The same rule as the ticket itself.
    visible(ctx, &user, file.ticket_id).await?;
    Ok(file)
}

/// The staff queue: open tickets, those waiting for a first response
/// first, by due time.
/// One page of the staff's ticket queue: `show` open (the default),
/// resolved or all tickets, those whose subject or partner holds `q`, in
/// the order asked for (`TICKET_COLUMNS`).
pub async fn queue(
    ctx: &Ctx,
    show: Option<String>,
    q: &str,
    sort: &str,
    dir: &str,
    page: usize,
) -> Result<QueueView, AppError> {
    use crate::domain::listing::{like_pattern, order, page_of, search};
    use crate::domain::support::{TicketSort, TICKETS_PAGE, TICKET_COLUMNS};
    ctx.require(Permission::ReviewApplications).await?;
    let (store, brand) = (&ctx.state.store, ctx.meta.brand.id);
    let search = search(q);
    let status = match show.as_deref() {
        Some("resolved") => Some(TicketStatus::Resolved),
        Some("all") => None,
        _ => Some(TicketStatus::Open),
    };
    let order = order(&TICKET_COLUMNS, sort, dir);
    let per = TICKETS_PAGE as i64;
    let mut filter = TicketFilter {
        status,
        queue: true,
        limit: per,
        search: search.as_deref().map(like_pattern),
        sort: Some(TicketSort::of(&order)),
        ..Default::default()
    };
    let total = store.ticket_count(brand, &filter).await.map_err(store_error)?.max(0) as usize;
    let (page, pages) = page_of(page, total, TICKETS_PAGE);
    filter.offset = (page as i64 - 1) * per;
    let tickets: Vec<TicketView> = store.tickets(brand, filter).await.map_err(store_error)?;
    Ok(QueueView {
        show: status.map(|s| s.key().to_owned()),
        tickets,
        now_ms: ctx.now().timestamp_millis(),
        search,
        order,
        page,
        pages,
        total,
    })
}

/// The month's SLA report: tickets opened in it, met and breached per
/// support tier, judged now.
pub async fn report(ctx: &Ctx, month: Option<String>) -> Result<ReportView, AppError> {
    ctx.require(Permission::ReviewApplications).await?;
    let now = ctx.now();
    let month = match month.as_deref().filter(|m| !m.is_empty()) {
        None => Month::of(now),
        Some(m) => Month::parse(m).ok_or_else(|| AppError::field("month", "Choose a month like 2026-11."))?,
    };
    let from = crate::server::store::from_ms(month.start_ms());
    let until = crate::server::store::from_ms(month.next().start_ms());
    let clocks = ctx.state.store.ticket_clocks(ctx.meta.brand.id, None, from, until).await.map_err(store_error)?;
    let (tiers, total) = sla_report(&clocks, now.timestamp_millis());
    Ok(ReportView {
        month: month.key(),
        label: month.label(),
        previous: month.prev().key(),
        next: (month < Month::of(now)).then(|| month.next().key()),
        tiers,
        total,
    })
}
