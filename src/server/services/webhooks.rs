//! Webhook subscriptions and their delivery. Events reach subscribers from
//! `event_log` (written in the transaction of each change): `fan_out` turns
//! new rows into deliveries, and the worker sends each one signed per the
//! Standard Webhooks specification (plus the guide's `X-Signature` and
//! `X-Event-Type`), retries on the standard schedule, disables a
//! subscription whose receiver answers 410, and never follows redirects.
//! Receivers must be public addresses, checked when subscribing and again
//! when connecting (DNS may change in between), unless allow-listed.

use crate::domain::account::CurrentUser;
use crate::domain::audit;
use crate::domain::integration::{parse_patterns, Environment, SubscriptionView};
use crate::domain::webhook::{
    envelope, is_delivered, legacy_signature_header, may_connect, parse_cidr, retry_delay_secs, signature_header,
};
use crate::error::AppError;
use crate::server::checks::Checks;
use crate::server::config::Config;
use crate::server::context::{store_error, Ctx};
use crate::server::secrets::{new_public_id, new_webhook_secret, Secrets};
use crate::server::state::AppState;
use crate::server::store::{
    AttemptNext, AttemptRecord, DueDelivery, NewAudit, NewSubscription, OrgRef, SubscriptionRecord,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Who makes a change, for its audit row: a signed-in owner or an API key.
pub struct Who {
    pub brand_id: i64,
    pub actor_id: Option<i64>,
    pub label: String,
    pub client_ip: String,
}

impl Who {
    /// A signed-in person acting in the portal.
    pub fn of_user(ctx: &Ctx, user: &CurrentUser) -> Who {
        Who {
            brand_id: ctx.meta.brand.id,
            actor_id: Some(user.id),
            label: user.email.clone(),
            client_ip: ctx.meta.client_ip.clone(),
        }
    }

    pub(crate) fn audit(
        &self,
        at: DateTime<Utc>,
        action: &'static str,
        subject: String,
        detail: serde_json::Value,
    ) -> NewAudit {
        NewAudit {
            brand_id: self.brand_id,
            at,
            actor_id: self.actor_id,
            actor_email: self.label.clone(),
            action,
            subject,
            detail,
            client_ip: self.client_ip.clone(),
            organisation_id: None,
        }
    }
}

/// How long a rotated secret keeps signing beside the new one.
pub const SECRET_GRACE_HOURS: i64 = 24;
const MAX_URL: usize = 2_000;

pub fn allow_list(config: &Config) -> Vec<(IpAddr, u8)> {
    config.webhook_allow_private.iter().filter_map(|e| parse_cidr(e)).collect()
}

/// Checks a receiver URL: http(s), no credentials, and every address its
/// host names is public (or allow-listed). Names are resolved now; the
/// worker checks again at connect time.
pub async fn check_url(config: &Config, raw: &str) -> Result<url::Url, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_URL {
        return Err("Enter the https:// address of your receiver.".into());
    }
    let url = url::Url::parse(raw).map_err(|_| "This is not a valid URL.".to_owned())?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("Use an http:// or https:// address.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave credentials out of the URL; verify our signature instead.".into());
    }
    let allow = allow_list(config);
    let refuse = |ip: IpAddr| format!("{ip} is not a public address; webhooks only go to public addresses.");
    match url.host() {
        None => return Err("The URL has no host.".into()),
        Some(url::Host::Ipv4(ip)) if !may_connect(&allow, IpAddr::V4(ip)) => return Err(refuse(IpAddr::V4(ip))),
        Some(url::Host::Ipv6(ip)) if !may_connect(&allow, IpAddr::V6(ip)) => return Err(refuse(IpAddr::V6(ip))),
        Some(url::Host::Domain(name)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| format!("{name} could not be resolved."))?
                .collect();
            if addrs.is_empty() {
                return Err(format!("{name} could not be resolved."));
            }
            if let Some(bad) = addrs.iter().map(SocketAddr::ip).find(|ip| !may_connect(&allow, *ip)) {
                return Err(format!("{name} resolves to {bad}, which is not a public address."));
            }
        }
        Some(_) => {}
    }
    Ok(url)
}

pub fn view(r: &SubscriptionRecord, now_ms: i64) -> SubscriptionView {
    SubscriptionView {
        id: r.public_id.clone(),
        url: r.url.clone(),
        environment: r.environment,
        patterns: r.patterns.clone(),
        active: r.active,
        disabled_reason: r.disabled_reason.clone(),
        created_at_ms: r.created_at_ms,
        rotating_until_ms: r.previous_until_ms.filter(|t| *t > now_ms),
    }
}

pub async fn list(state: &AppState, org: OrgRef, env: Option<Environment>) -> Result<Vec<SubscriptionView>, AppError> {
    let now_ms = state.clock.now().timestamp_millis();
    Ok(state
        .store
        .subscriptions(org)
        .await
        .map_err(store_error)?
        .iter()
        .filter(|s| env.is_none_or(|e| e == s.environment))
        .map(|s| view(s, now_ms))
        .collect())
}

/// Each subscription of `org` with how its latest deliveries went, so a
/// list never calls "Active" one whose deliveries all fail.
pub async fn list_with_health(
    state: &AppState,
    org: OrgRef,
) -> Result<Vec<(SubscriptionView, crate::domain::integration::DeliveryHealth)>, AppError> {
    use crate::domain::integration::delivery_health;
    use crate::views::integration::DELIVERIES_PAGE;
    let now_ms = state.clock.now().timestamp_millis();
    let mut out = Vec::new();
    for s in state.store.subscriptions(org).await.map_err(store_error)? {
        // One short read per subscription: the newest page of its log is an
        // index range with a LIMIT on both engines, where one query over the
        // partner's whole log would read all of it (SQLite has no LATERAL).
        let newest =
            state.store.deliveries(s.id, i64::MAX, false, DELIVERIES_PAGE as i64).await.map_err(store_error)?;
        out.push((view(&s, now_ms), delivery_health(&newest.into_iter().map(|(d, _)| d).collect::<Vec<_>>())));
    }
    Ok(out)
}

pub async fn find(state: &AppState, org: OrgRef, id: &str) -> Result<SubscriptionRecord, AppError> {
    state.store.subscription(org, id).await.map_err(store_error)?.ok_or(AppError::NotFound)
}

/// The subscription's current signing secret, for its owners.
pub fn reveal(state: &AppState, s: &SubscriptionRecord) -> Result<String, AppError> {
    Secrets::of(&state.config).open(&s.secret_enc).ok_or(AppError::Internal)
}

pub async fn create(
    state: &AppState,
    who: &Who,
    org: OrgRef,
    env: Environment,
    url: &str,
    patterns: &str,
) -> Result<(SubscriptionView, String), AppError> {
    let mut checks = Checks::default();
    let patterns = checks.check("patterns", parse_patterns(patterns));
    let url = match check_url(&state.config, url).await {
        Ok(u) => Some(u),
        Err(m) => {
            checks.check::<(), _>("url", Err(m));
            None
        }
    };
    checks.finish()?;
    let (url, patterns) = (url.map(String::from).unwrap_or_default(), patterns.unwrap_or_default());
    let secret = new_webhook_secret();
    let now = state.clock.now();
    let public_id = new_public_id("whk_");
    let a = who.audit(
        now,
        audit::WEBHOOK_CREATED,
        format!("webhook:{public_id}"),
        json!({ "after": { "url": url, "patterns": patterns, "environment": env.key() } }),
    );
    let sub = NewSubscription {
        brand_id: who.brand_id,
        organisation_id: org.id(),
        environment: env,
        public_id,
        url,
        patterns,
        secret_enc: Secrets::of(&state.config).seal(&secret),
        now,
    };
    let rec = state.store.create_subscription(sub, a).await.map_err(store_error)?;
    Ok((view(&rec, now.timestamp_millis()), secret))
}

pub async fn delete(state: &AppState, who: &Who, org: OrgRef, id: &str) -> Result<(), AppError> {
    let s = find(state, org, id).await?;
    let now = state.clock.now();
    let a = who.audit(now, audit::WEBHOOK_DELETED, format!("webhook:{id}"), json!({ "before": { "url": s.url } }));
    state.store.delete_subscription(s.id, now, a).await.map_err(store_error)
}

/// A new secret; the old one keeps signing for 24 hours so receivers can
/// switch over. Returns the new secret and when the old one stops.
pub async fn rotate_secret(
    state: &AppState,
    who: &Who,
    org: OrgRef,
    id: &str,
) -> Result<(String, DateTime<Utc>), AppError> {
    let s = find(state, org, id).await?;
    let now = state.clock.now();
    let until = now + chrono::Duration::hours(SECRET_GRACE_HOURS);
    let secret = new_webhook_secret();
    let a = who.audit(now, audit::WEBHOOK_SECRET_ROTATED, format!("webhook:{id}"), json!({}));
    let sealed = Secrets::of(&state.config).seal(&secret);
    state.store.rotate_subscription_secret(s.id, &sealed, until, a).await.map_err(store_error)?;
    Ok((secret, until))
}

pub async fn set_active(state: &AppState, who: &Who, org: OrgRef, id: &str, active: bool) -> Result<(), AppError> {
    let s = find(state, org, id).await?;
    let action = if active { audit::WEBHOOK_ENABLED } else { audit::WEBHOOK_DISABLED };
    let a = who.audit(state.clock.now(), action, format!("webhook:{id}"), json!({}));
    state.store.set_subscription_active(s.id, active, a).await.map_err(store_error)
}

/// Queues a `webhook.test` event to this subscription alone.
pub async fn send_test(state: &AppState, org: OrgRef, id: &str) -> Result<i64, AppError> {
    let s = find(state, org, id).await?;
    if !s.active {
        return Err(AppError::Refused("Enable the subscription before sending a test.".into()));
    }
    let now = state.clock.now();
    let msg_id = new_public_id("msg_test_");
    let body = envelope(
        "webhook.test",
        now.timestamp_millis(),
        &json!({ "subscription_id": s.public_id, "message": "A test event from the partner portal." }),
    );
    state.store.queue_delivery(s.id, None, &msg_id, "webhook.test", &body, now).await.map_err(store_error)
}

/// Sends an earlier delivery's message again (same id and body, so a
/// receiver that already has it can tell).
pub async fn replay(state: &AppState, org: OrgRef, id: &str, delivery_id: i64) -> Result<i64, AppError> {
    let s = find(state, org, id).await?;
    if !s.active {
        return Err(AppError::Refused("Enable the subscription before replaying.".into()));
    }
    let (d, payload) = state.store.delivery(s.id, delivery_id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    state
        .store
        .queue_delivery(s.id, None, &d.msg_id, &d.event_type, &payload, state.clock.now())
        .await
        .map_err(store_error)
}

/// Connects only to permitted addresses, whatever DNS says at the moment.
struct GuardedResolver {
    allow: Arc<Vec<(IpAddr, u8)>>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|a| may_connect(&allow, a.ip())).collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let it: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

/// The HTTP client deliveries go through: bounded timeouts, no redirects,
/// no proxies, and the guarded resolver. Cloning shares its connection pool.
#[derive(Clone)]
pub struct Deliverer {
    client: reqwest::Client,
    allow: Arc<Vec<(IpAddr, u8)>>,
}

impl Deliverer {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let allow = Arc::new(allow_list(config));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow: allow.clone() }))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent("PartnerPortal-Webhooks/1")
            .build()?;
        Ok(Deliverer { client, allow })
    }
}

/// How long a claimed delivery is held: three times an attempt's 10-second
/// limit. A worker killed mid-attempt loses its claim after this.
const LEASE_SECS: i64 = 30;
const RESPONSE_KEPT: usize = 1_000;

/// Attempts in flight per instance, and per receiver across instances. A
/// receiver that takes the full 10 s holds at most `PER_RECEIVER` slots, so
/// the rest keep flowing to everyone else.
const MAX_IN_FLIGHT: usize = 256;
const PER_RECEIVER: i64 = 32;

/// One pass: fan new events out to subscriptions, then attempt what is due
/// (up to 20) and wait for those attempts. Returns the number made. Tests
/// drive delivery with this; the server runs `run_deliveries`.
pub async fn deliver_once(state: &AppState, deliverer: &Deliverer) -> anyhow::Result<usize> {
    let now = state.clock.now();
    while state.store.fan_out(now, 200).await? == 200 {}
    let due = state.store.claim_deliveries(now, now + chrono::Duration::seconds(LEASE_SECS), 20, PER_RECEIVER).await?;
    let n = due.len();
    let mut set = tokio::task::JoinSet::new();
    for d in due {
        set.spawn(attempt_logged(state.clone(), deliverer.clone(), d));
    }
    while set.join_next().await.is_some() {}
    Ok(n)
}

/// The delivery worker: keeps up to `MAX_IN_FLIGHT` attempts going, claims
/// more as slots free up (never waiting for a whole batch), and rests for
/// `idle` only when nothing is due. On shutdown it lets the attempts under
/// way finish (each is bounded by the 10 s timeout).
pub async fn run_deliveries(
    state: AppState,
    deliverer: Arc<Deliverer>,
    token: tokio_util::sync::CancellationToken,
    idle: Duration,
) {
    let mut set = tokio::task::JoinSet::new();
    while !token.is_cancelled() {
        let wanted = (MAX_IN_FLIGHT - set.len()).min(CLAIM_AT_ONCE);
        let claimed = match claim_more(&state, wanted).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "webhook claim failed");
                Vec::new()
            }
        };
        // A full claim means more may be due: claim again at once.
        let full = wanted > 0 && claimed.len() == wanted;
        for d in claimed {
            set.spawn(attempt_logged(state.clone(), (*deliverer).clone(), d));
        }
        if full && set.len() < MAX_IN_FLIGHT {
            continue;
        }
        tokio::select! {
            _ = token.cancelled() => {}
            Some(_) = set.join_next(), if !set.is_empty() => {
                // Let a few more finish so one claim refills several slots.
                tokio::time::sleep(Duration::from_millis(2)).await;
                while set.try_join_next().is_some() {}
            }
            _ = tokio::time::sleep(idle) => {}
        }
    }
    while set.join_next().await.is_some() {}
}

/// Deliveries claimed by one statement at most.
const CLAIM_AT_ONCE: usize = 100;

async fn claim_more(state: &AppState, wanted: usize) -> anyhow::Result<Vec<DueDelivery>> {
    let now = state.clock.now();
    while state.store.fan_out(now, 200).await? == 200 {}
    if wanted == 0 {
        return Ok(Vec::new());
    }
    let lease = now + chrono::Duration::seconds(LEASE_SECS);
    Ok(state.store.claim_deliveries(now, lease, wanted as i64, PER_RECEIVER).await?)
}

/// One attempt; a failure inside the portal is recorded as a failed attempt
/// so it backs off (and ends) like any other, instead of being claimed again
/// each lease.
async fn attempt_logged(state: AppState, deliverer: Deliverer, d: DueDelivery) {
    let (id, number) = (d.id, d.attempts + 1);
    if let Err(e) = attempt(&state, &deliverer.client, &deliverer.allow, d).await {
        tracing::error!(error = %e, delivery = id, "webhook attempt failed inside the portal");
        let now = state.clock.now();
        let next = match retry_delay_secs(number as usize) {
            Some(secs) => AttemptNext::RetryAt(now + chrono::Duration::seconds(secs)),
            None => AttemptNext::GiveUp,
        };
        let record = AttemptRecord {
            delivery_id: id,
            attempt: number,
            at: now,
            duration_ms: 0,
            response_status: None,
            error: Some("The portal could not send this attempt.".into()),
            response_body: None,
        };
        if let Err(e) = state.store.finish_attempt(record, next).await {
            tracing::error!(error = %e, delivery = id, "webhook attempt not recorded");
        }
    }
}

async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    allow: &[(IpAddr, u8)],
    d: DueDelivery,
) -> anyhow::Result<()> {
    let now = state.clock.now();
    let number = d.attempts + 1;
    let record = |duration_ms: i64, status: Option<u16>, error: Option<String>, body: Option<String>| AttemptRecord {
        delivery_id: d.id,
        attempt: number,
        at: now,
        duration_ms,
        response_status: status,
        error,
        response_body: body,
    };
    let Some(sub) = state.store.subscription_by_id(d.subscription_id).await?.filter(|s| s.active) else {
        let r = record(0, None, Some("The subscription is disabled or deleted.".into()), None);
        state.store.finish_attempt(r, AttemptNext::GiveUp).await?;
        return Ok(());
    };
    let retry = || match retry_delay_secs(number as usize) {
        Some(secs) => AttemptNext::RetryAt(now + chrono::Duration::seconds(secs)),
        None => AttemptNext::GiveUp,
    };
    let secrets = Secrets::of(&state.config);
    let Some(current) = secrets.open(&sub.secret_enc) else {
        let r = record(0, None, Some("The signing secret cannot be read; was APP_SECRET_KEY changed?".into()), None);
        state.store.finish_attempt(r, retry()).await?;
        return Ok(());
    };
    let mut keys = vec![current.clone()];
    if let (Some(prev), Some(until)) = (&sub.previous_secret_enc, sub.previous_until_ms) {
        if until > now.timestamp_millis() {
            keys.extend(secrets.open(prev));
        }
    }
    let url = url::Url::parse(&sub.url)?;
    // Address literals skip the resolver, so they are checked here.
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if literal.is_some_and(|ip| !may_connect(allow, ip)) {
        let r = record(0, None, Some("Refused: the receiver's address is not public.".into()), None);
        state.store.finish_attempt(r, retry()).await?;
        return Ok(());
    }
    let ts = now.timestamp();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let signature = signature_header(&key_refs, &d.msg_id, ts, &d.payload)?;
    let started = Instant::now();
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.msg_id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature)
        .header("x-signature", legacy_signature_header(&key_refs, ts, &d.payload)?)
        .header("x-event-type", &d.event_type)
        .header("x-event-id", &d.msg_id)
        .header("x-timestamp", ts.to_string())
        .body(d.payload.clone())
        .send()
        .await;
    let (status, error, body) = match sent {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let mut kept: Vec<u8> = Vec::new();
            // Keep the start of the answer for the log; never read more.
            while kept.len() < RESPONSE_KEPT {
                match resp.chunk().await {
                    Ok(Some(c)) => kept.extend_from_slice(&c),
                    _ => break,
                }
            }
            kept.truncate(RESPONSE_KEPT);
            let text = String::from_utf8_lossy(&kept).into_owned();
            let error = (300..400).contains(&status).then(|| "Redirects are not followed.".to_owned());
            (Some(status), error, Some(text))
        }
        Err(e) => {
            let why = if e.is_timeout() {
                "Timed out after 10 seconds.".to_owned()
            } else if e.is_connect() {
                "Could not connect (or the address is not public).".to_owned()
            } else {
                "The request failed.".to_owned()
            };
            (None, Some(why), None)
        }
    };
    let duration_ms = started.elapsed().as_millis() as i64;
    let next = match status {
        Some(s) if is_delivered(s) => AttemptNext::Delivered,
        Some(410) => AttemptNext::Disable("The receiver answered 410 Gone.".into()),
        _ => retry(),
    };
    let outcome = match &next {
        AttemptNext::Delivered => "delivered",
        AttemptNext::Disable(_) => "disabled",
        AttemptNext::RetryAt(_) => "retry",
        AttemptNext::GiveUp => "given_up",
    };
    metrics::counter!("webhook_deliveries_total", "outcome" => outcome).increment(1);
    state.store.finish_attempt(record(duration_ms, status, error, body), next).await?;
    Ok(())
}
