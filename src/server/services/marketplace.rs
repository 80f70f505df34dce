//! Marketplace use cases: a partner's owners write their listing and send it
//! for review, managers approve or send it back, and anyone reads the
//! public directory of the program's own host. The rules are
//! `domain::marketplace`; the store re-checks each step in its transaction.

use crate::domain::account::CurrentUser;
use crate::domain::audit;
use crate::domain::certification::support_tier;
use crate::domain::listing::{like_pattern, page_of, search};
use crate::domain::marketplace::{
    canonical_path, decide as decision_of, may_write_listing, slug, DirectoryFilter, ListingDecision, ListingInput,
    ListingStatus, DIRECTORY_PAGE,
};
use crate::domain::role::{OrgAccess, Permission};
use crate::domain::showcase::{place, ImageKind};
use crate::error::AppError;
use crate::server::context::{store_error, Ctx};
use crate::server::emails::owner_addresses;
use crate::server::logo::check_logo;
use crate::server::secrets::Secrets;
use crate::server::services::partners::org_for;
use crate::server::store::{NewListingImage, OutgoingEmail, StoredImage};
use crate::views::marketplace::{DirectoryPage, ListingPage, ListingQueue, PublicListing};
use serde_json::json;

/// The directory and partner pages are the program's own: a white-label
/// domain serves a partner's customers, never the other partners.
pub(crate) fn program_host(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.meta.brand.is_default {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A partner's page on the program's host: the signed-in user, the
/// partner it opens (its own, or `org` for the program's staff) and how
/// the user stands to it.
pub(crate) async fn partner_page(ctx: &Ctx, org: Option<i64>) -> Result<(CurrentUser, i64, OrgAccess), AppError> {
    let user = ctx.require_user().await?;
    program_host(ctx)?;
    let (org, access) = org_for(&user, org)?;
    Ok((user, org, access))
}

/// The signed-in user acting for their own partner on the program's host;
/// staff act on partners' pipelines only through the managers' steps.
pub(crate) async fn own_partner(ctx: &Ctx) -> Result<(CurrentUser, i64), AppError> {
    match partner_page(ctx, None).await? {
        (user, org, OrgAccess::OwnOrganisation) => Ok((user, org)),
        _ => Err(AppError::Forbidden),
    }
}

/// The contact form's start (`services::leads::refer`): the time the
/// partner's page was drawn, signed so a script cannot claim it took its
/// time.
pub fn form_started(ctx: &Ctx) -> String {
    let now = ctx.now().timestamp_millis();
    format!("{now}.{}", Secrets::of(&ctx.state.config).hash_counter_key("referral_form", &now.to_string()))
}

/// The time a form was drawn, if its signature holds.
pub(crate) fn started_at(ctx: &Ctx, started: &str) -> Option<i64> {
    let (ms, signature) = started.split_once('.')?;
    let expected = Secrets::of(&ctx.state.config).hash_counter_key("referral_form", ms);
    (expected == signature).then(|| ms.parse().ok()).flatten()
}

pub async fn page(ctx: &Ctx, org: Option<i64>) -> Result<ListingPage, AppError> {
    let (user, org, access) = partner_page(ctx, org).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let profile = store.partner_profile(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let listing = store.listing(brand, org).await.map_err(store_error)?;
    let staff = matches!(access, OrgAccess::Staff { .. });
    let allowed = may_write_listing(profile.state);
    let draft = match &listing {
        Some(l) => l.latest.content.input(),
        // A first listing starts from what the partner applied with.
        None => ListingInput {
            name: profile.organisation.clone(),
            kind: profile.kind.map(|k| k.key().to_owned()).unwrap_or_default(),
            ..ListingInput::default()
        },
    };
    Ok(ListingPage {
        organisation_id: org,
        organisation: profile.organisation,
        can_write: allowed && access == OrgAccess::OwnOrganisation && user.is_owner(),
        not_yet: (!allowed).then(|| {
            format!(
                "A listing is written once the integration is certified. The certification is now at “{}”.",
                profile.state.label()
            )
        }),
        staff,
        public_path: listing.as_ref().filter(|l| l.shown()).map(|l| format!("/marketplace/{}", l.slug)),
        listing,
        draft,
    })
}

/// The partner's owner acting on its own listing, or why not.
async fn owner_org(ctx: &Ctx) -> Result<(CurrentUser, i64), AppError> {
    let (user, org, access) = partner_page(ctx, None).await?;
    if access != OrgAccess::OwnOrganisation || !user.is_owner() {
        return Err(AppError::Refused("Only the partner's owners write its marketplace listing.".into()));
    }
    let profile = ctx
        .state
        .store
        .partner_profile(ctx.meta.brand.id, org)
        .await
        .map_err(store_error)?
        .ok_or(AppError::NotFound)?;
    if !may_write_listing(profile.state) {
        return Err(AppError::Refused("A listing is written once the integration is certified.".into()));
    }
    Ok((user, org))
}

/// Saves the listing as typed; returns the version's number. Every field
/// is checked first, and a refused save writes nothing.
pub async fn save(ctx: &Ctx, input: &ListingInput) -> Result<i64, AppError> {
    let (user, org) = owner_org(ctx).await?;
    let content = input.parse().map_err(AppError::fields)?;
    let a = ctx.audit(
        Some(&user),
        audit::LISTING_SAVED,
        format!("organisation:{org}"),
        json!({ "name": content.name, "short_description": content.short_description }),
    );
    ctx.state
        .store
        .save_listing(ctx.meta.brand.id, org, &content, &slug(&content.name), user.id, a)
        .await
        .map_err(store_error)
}

/// Adds a logo or screenshot to the listing; returns the version's number.
/// The image is checked by decoding it (the logo rules), and the store
/// places it by `domain::showcase::place` inside its transaction.
pub async fn add_image(ctx: &Ctx, kind: &str, alt: &str, bytes: Vec<u8>) -> Result<i64, AppError> {
    let (user, org) = owner_org(ctx).await?;
    let kind = ImageKind::parse(kind)
        .ok_or_else(|| AppError::field("kind", "Choose whether this is the logo or a screenshot."))?;
    // The description is checked before the file, so a refusal names what
    // the user can fix without choosing the file again first.
    place(kind.key(), alt, &[]).map_err(|(field, message)| AppError::field(field, message))?;
    let checked = check_logo(&bytes).map_err(|m| AppError::field("image", m))?;
    let image = NewListingImage {
        kind,
        alt: alt.trim().to_owned(),
        content_type: checked.content_type.to_owned(),
        sha: checked.etag.trim_matches('"').to_owned(),
        width: i64::from(checked.width),
        height: i64::from(checked.height),
        bytes,
    };
    let a = ctx.audit(
        Some(&user),
        audit::LISTING_IMAGE_ADDED,
        format!("organisation:{org}"),
        json!({ "kind": kind.key(), "alt": image.alt, "type": image.content_type, "width": image.width,
                "height": image.height, "bytes": image.bytes.len() }),
    );
    ctx.state.store.add_listing_image(ctx.meta.brand.id, org, &image, user.id, a).await.map_err(store_error)
}

/// Removes the picture at `position` (0 the logo); returns the version's
/// number.
pub async fn remove_image(ctx: &Ctx, position: i64) -> Result<i64, AppError> {
    let (user, org) = owner_org(ctx).await?;
    let a = ctx.audit(
        Some(&user),
        audit::LISTING_IMAGE_REMOVED,
        format!("organisation:{org}"),
        json!({ "position": position }),
    );
    ctx.state.store.remove_listing_image(ctx.meta.brand.id, org, position, user.id, a).await.map_err(store_error)
}

/// Moves the screenshot at `position` one place earlier or later.
pub async fn move_image(ctx: &Ctx, position: i64, earlier: bool) -> Result<i64, AppError> {
    let (user, org) = owner_org(ctx).await?;
    let a = ctx.audit(
        Some(&user),
        audit::LISTING_IMAGE_MOVED,
        format!("organisation:{org}"),
        json!({ "position": position, "earlier": earlier }),
    );
    ctx.state.store.move_listing_image(ctx.meta.brand.id, org, position, earlier, user.id, a).await.map_err(store_error)
}

/// A picture of any version of the partner's listing, for its people and
/// the program's managers (`org` names the partner for them).
pub async fn own_image(ctx: &Ctx, org: Option<i64>, id: i64) -> Result<StoredImage, AppError> {
    let (_, org, _) = partner_page(ctx, org).await?;
    ctx.state.store.listing_image(ctx.meta.brand.id, org, id).await.map_err(store_error)?.ok_or(AppError::NotFound)
}

/// A picture of a shown partner's published listing, for anyone.
pub async fn published_image(ctx: &Ctx, slug: &str, id: i64) -> Result<StoredImage, AppError> {
    program_host(ctx)?;
    ctx.state.store.published_image(ctx.meta.brand.id, slug, id).await.map_err(store_error)?.ok_or(AppError::NotFound)
}

/// Sends the latest version for review; returns its number.
pub async fn submit(ctx: &Ctx) -> Result<i64, AppError> {
    let (user, org) = owner_org(ctx).await?;
    let a = ctx.audit(Some(&user), audit::LISTING_SUBMITTED, format!("organisation:{org}"), json!({}));
    ctx.state.store.submit_listing(ctx.meta.brand.id, org, Vec::new(), a).await.map_err(store_error)
}

pub async fn queue(ctx: &Ctx) -> Result<ListingQueue, AppError> {
    ctx.require(Permission::ReviewApplications).await?;
    program_host(ctx)?;
    Ok(ListingQueue { items: ctx.state.store.listing_queue(ctx.meta.brand.id).await.map_err(store_error)? })
}

/// The owners' email about a decision on their listing.
async fn decision_mails(
    ctx: &Ctx,
    org: i64,
    organisation: &str,
    to: ListingStatus,
    note: &str,
) -> Result<Vec<OutgoingEmail>, AppError> {
    let program = &ctx.meta.brand.name;
    let link = format!("{}/listing", ctx.public_url());
    let owners = owner_addresses(&ctx.state.store, ctx.meta.brand.id, org).await.map_err(store_error)?;
    Ok(owners
        .iter()
        .map(|to_addr| crate::server::emails::listing_decision_email(to_addr, program, organisation, to, note, &link))
        .collect())
}

pub async fn decide(ctx: &Ctx, org: i64, number: i64, decision: &str, note: &str) -> Result<ListingStatus, AppError> {
    let user = ctx.require(Permission::ReviewApplications).await?;
    program_host(ctx)?;
    let decision = ListingDecision::parse(decision).ok_or_else(|| AppError::Refused("Unknown decision.".into()))?;
    let (to, note) = decision_of(decision, note).map_err(|(field, message)| AppError::field(field, message))?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let listing = store.listing(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let mails = decision_mails(ctx, org, &listing.organisation, to, note.as_deref().unwrap_or_default()).await?;
    let action = if to == ListingStatus::Approved { audit::LISTING_APPROVED } else { audit::LISTING_SENT_BACK };
    let a = ctx
        .audit(Some(&user), action, format!("organisation:{org}"), json!({ "version": number, "note": note }))
        .about(org);
    store.decide_listing(brand, org, number, to, note.as_deref(), mails, a).await.map_err(store_error)?;
    Ok(to)
}

/// One page of the public directory, filtered as the address asks.
pub async fn directory(ctx: &Ctx, filter: DirectoryFilter, page: usize) -> Result<DirectoryPage, AppError> {
    program_host(ctx)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let q = search(&filter.q).map(|q| like_pattern(&q)).unwrap_or_default();
    let per = DIRECTORY_PAGE;
    // Counted first, so a page past the end shows the last one.
    let (_, total) = store.directory(brand, &filter, &q, 0, 0).await.map_err(store_error)?;
    let (page, pages) = page_of(page, total.max(0) as usize, per);
    let offset = ((page - 1) * per) as i64;
    let (entries, total) = store.directory(brand, &filter, &q, offset, per as i64).await.map_err(store_error)?;
    Ok(DirectoryPage {
        program: ctx.meta.brand.name.clone(),
        entries,
        total,
        page,
        pages,
        filter,
        form_started: form_started(ctx),
    })
}

pub async fn public_listing(ctx: &Ctx, slug: &str) -> Result<PublicListing, AppError> {
    program_host(ctx)?;
    let entry = ctx
        .state
        .store
        .directory_listing(ctx.meta.brand.id, slug)
        .await
        .map_err(store_error)?
        .ok_or(AppError::NotFound)?;
    Ok(PublicListing {
        program: ctx.meta.brand.name.clone(),
        form_started: form_started(ctx),
        support_tier: support_tier(entry.state),
        entry,
    })
}

/// What a directory page's head tells search engines: its canonical
/// address and description; `None` off the program's host, for a path that
/// is not a directory page, or for a partner not shown.
pub async fn page_head(ctx: &Ctx, path: &str, query: Option<&str>) -> Result<Option<(String, String)>, AppError> {
    if program_host(ctx).is_err() {
        return Ok(None);
    }
    let Some(canonical) = canonical_path(path, query) else { return Ok(None) };
    let url = format!("{}{canonical}", ctx.public_url());
    let program = &ctx.meta.brand.name;
    match canonical.strip_prefix("/marketplace/") {
        None => Ok(Some((
            url,
            format!(
                "The {program} partner directory: certified partners and their integrations, by partner type, \
                 category, integration, region and industry."
            ),
        ))),
        Some(slug) => {
            let entry = ctx.state.store.directory_listing(ctx.meta.brand.id, slug).await.map_err(store_error)?;
            Ok(entry.map(|e| (url, e.content.short_description)))
        }
    }
}

/// Every shown partner's address, for the sitemap.
pub async fn sitemap(ctx: &Ctx) -> Result<Vec<String>, AppError> {
    program_host(ctx)?;
    let store = &ctx.state.store;
    let base = ctx.public_url();
    let mut out = vec![format!("{base}/marketplace")];
    let all = DirectoryFilter::default();
    let mut offset = 0;
    loop {
        let (entries, _) = store.directory(ctx.meta.brand.id, &all, "", offset, 500).await.map_err(store_error)?;
        let n = entries.len();
        out.extend(entries.into_iter().map(|e| format!("{base}/marketplace/{}", e.slug)));
        if n < 500 {
            return Ok(out);
        }
        offset += 500;
    }
}
