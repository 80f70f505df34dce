//! The billing feed: an administrator connects the program's Stripe account
//! (its webhook signing secret), managers attribute Stripe customers to
//! partners, and each verified webhook is recorded as an import, all or
//! nothing, through the same ledger rules as a CSV file.

use crate::domain::audit;
use crate::domain::billing::{
    check_customer_ref, check_signing_secret, secret_hint, stripe_delivery, verify_stripe_signature, Delivery,
};
use crate::domain::ledger::{EventInput, RowError};
use crate::domain::role::{can, Permission};
use crate::error::AppError;
use crate::server::checks::Checks;
use crate::server::context::{internal, store_error, Ctx};
use crate::server::paths::STRIPE_HOOK_PATH;
use crate::server::secrets::Secrets;
use crate::server::store::{ImportBatch, ImportOutcome, StoreError};
use crate::views::revenue::{BillingLink, BillingSettings};
use serde_json::json;

/// The billing feed page: the connection (never its secret), where Stripe
/// should post, and the attributed customers.
pub async fn settings(ctx: &Ctx) -> Result<BillingSettings, AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let connection = store.billing_connection(brand).await.map_err(store_error)?;
    Ok(BillingSettings {
        endpoint: format!("{}{STRIPE_HOOK_PATH}", ctx.brand_url()),
        connected: connection.map(|c| BillingLink {
            hint: c.secret_hint,
            connected_by: c.connected_by_email,
            connected_at_ms: c.connected_at,
            last_delivery_ms: c.last_delivery_at,
        }),
        can_connect: can(user.role, Permission::ConnectBilling),
        customers: store.billing_customers(brand).await.map_err(store_error)?,
        partners: store.revenue_partners_upto(brand, 1_000).await.map_err(store_error)?,
    })
}

/// Connects (or reconnects) Stripe with the endpoint's signing secret,
/// kept encrypted; administrators only.
pub async fn connect(ctx: &Ctx, secret: &str) -> Result<(), AppError> {
    let user = ctx.require(Permission::ConnectBilling).await?;
    let secret = secret.trim();
    let mut checks = Checks::default();
    checks.check::<(), String>("secret", check_signing_secret(secret));
    checks.finish()?;
    let sealed = Secrets::of(&ctx.state.config).seal(secret);
    let hint = secret_hint(secret);
    let a = ctx.audit(Some(&user), audit::BILLING_CONNECTED, "billing:stripe".into(), json!({ "secret": hint }));
    ctx.state.store.connect_billing(ctx.meta.brand.id, &sealed, &hint, user.id, a).await.map_err(store_error)
}

/// Attributes a Stripe customer to a partner (a number from the form's
/// choice), replacing an earlier attribution.
pub async fn attribute(ctx: &Ctx, customer: &str, partner: &str) -> Result<(), AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let mut checks = Checks::default();
    let customer = checks.check("customer", check_customer_ref(customer));
    let partner = checks.check("partner", partner.trim().parse::<i64>().map_err(|_| "Choose a partner.".to_owned()));
    checks.finish()?;
    let (Some(customer), Some(partner)) = (customer, partner) else { return Err(internal("checked fields")) };
    let a = ctx
        .audit(Some(&user), audit::BILLING_CUSTOMER_ATTRIBUTED, format!("billing_customer:{customer}"), json!({}))
        .about(partner);
    match ctx.state.store.attribute_billing_customer(ctx.meta.brand.id, &customer, partner, user.id, a).await {
        Err(StoreError::NotFound) => {
            Err(AppError::field("partner", "No approved partner of this program has that number."))
        }
        other => other.map_err(store_error),
    }
}

pub async fn remove(ctx: &Ctx, customer: &str) -> Result<(), AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let a = ctx.audit(Some(&user), audit::BILLING_CUSTOMER_REMOVED, format!("billing_customer:{customer}"), json!({}));
    match ctx.state.store.remove_billing_customer(ctx.meta.brand.id, customer, a).await.map_err(store_error)? {
        true => Ok(()),
        false => Err(AppError::NotFound),
    }
}

/// What a webhook delivery came to; the handler answers with its status.
#[derive(Debug)]
pub enum HookAnswer {
    /// Recorded: new events, and events already recorded (a retry).
    Recorded { new: i64, unchanged: i64 },
    /// An event type the feed does not record.
    Ignored(String),
    /// No billing system is connected to this program.
    NotConnected,
    /// The signature failed: nothing was read.
    Unsigned(&'static str),
    /// Verified but not recordable; kept in the import history. Stripe
    /// retries, so a delivery refused for want of an attribution goes
    /// through once the customer is attributed.
    Refused(Vec<RowError>),
}

/// Verifies and records one Stripe webhook delivery.
pub async fn receive_stripe(ctx: &Ctx, signature: &str, payload: &[u8]) -> Result<HookAnswer, AppError> {
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let Some(conn) = store.billing_connection(brand).await.map_err(store_error)? else {
        return Ok(HookAnswer::NotConnected);
    };
    let secret = Secrets::of(&ctx.state.config)
        .open(&conn.secret_sealed)
        .ok_or_else(|| internal("the billing signing secret was sealed under another server secret"))?;
    let now = ctx.now();
    if let Err(e) = verify_stripe_signature(signature, payload, &secret, now.timestamp()) {
        return Ok(HookAnswer::Unsigned(e.message()));
    }
    store.billing_delivered(brand, now.timestamp_millis()).await.map_err(store_error)?;
    // The feed records under the administrator who connected it.
    let audit_as = |action: &'static str, detail: serde_json::Value| {
        let mut a = ctx.audit(None, action, String::new(), detail);
        a.actor_id = Some(conn.connected_by);
        a.actor_email = conn.connected_by_email.clone();
        a
    };
    let refuse = |source: String, errors: Vec<RowError>| async move {
        let a = audit_as(audit::REVENUE_IMPORT_REJECTED, json!({ "source": source, "errors": errors.len() }));
        store.record_rejected_import(brand, &source, errors.len(), &errors, a).await.map_err(store_error)?;
        Ok(HookAnswer::Refused(errors))
    };
    let (event_id, events) = match stripe_delivery(payload) {
        Err(message) => return refuse("Stripe".into(), vec![RowError::new(1, "payload", message)]).await,
        Ok(Delivery::Ignored { kind, .. }) => return Ok(HookAnswer::Ignored(kind)),
        Ok(Delivery::Record { event_id, events }) => (event_id, events),
    };
    let source = format!("Stripe {event_id}");
    if events.is_empty() {
        return Ok(HookAnswer::Recorded { new: 0, unchanged: 0 });
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, e) in events.into_iter().enumerate() {
        match store.billing_partner(brand, &e.customer_ref).await.map_err(store_error)? {
            None => errors.push(RowError::new(
                i + 1,
                "customer",
                format!(
                    "Stripe customer {} is not attributed to a partner. Attribute it on the billing feed page; \
                     Stripe's next retry of this event then records it.",
                    e.customer_ref
                ),
            )),
            Some(organisation_id) => rows.push(EventInput {
                row: i + 1,
                organisation_id,
                // The customer's id, not its name: it never changes, so a
                // referral's first invoice is found again.
                customer: e.customer_ref,
                occurred_ms: e.occurred_ms,
                kind: e.kind,
                amount: e.amount,
                refunds: e.refunds,
                external_id: e.external_id,
                customer_price_minor: None,
            }),
        }
    }
    if !errors.is_empty() {
        return refuse(source, errors).await;
    }
    let mut a = audit_as(audit::REVENUE_IMPORTED, json!({ "source": source, "rows": rows.len() }));
    if let Some(first) = rows.first() {
        a = a.about(first.organisation_id);
    }
    let batch = ImportBatch {
        source: source.clone(),
        row_count: rows.len(),
        rows,
        created_by: conn.connected_by,
        dry_run: false,
    };
    match store.import_revenue(brand, batch, a).await.map_err(store_error)? {
        ImportOutcome::Imported(rec) => Ok(HookAnswer::Recorded { new: rec.new_count, unchanged: rec.unchanged_count }),
        ImportOutcome::Rejected(errors) => refuse(source, errors).await,
        ImportOutcome::Checked(_) => Err(internal("a delivery was only checked")),
    }
}
