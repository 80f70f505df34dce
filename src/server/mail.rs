//! Outgoing email: the worker that drains the outbox (the texts are in
//! `emails.rs`).
//!
//! A use case writes its email into the outbox in the same transaction as the
//! change it reports; this worker delivers it later, by SMTP when configured
//! or as an `.eml` file in the outbox folder otherwise, and retries with
//! backoff on failure. Several app instances may run the worker at once.

use super::config::{Config, MailTransport};
use super::state::AppState;
use super::store::{OutboxItem, OutgoingEmail};
use chrono::{DateTime, Duration, Utc};
use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio_util::sync::CancellationToken;

/// Delivery by SMTP or into a folder, chosen by configuration.
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn from_config(cfg: &Config) -> anyhow::Result<Self> {
        match cfg.mail_transport() {
            MailTransport::Files => {
                std::fs::create_dir_all(&cfg.outbox_dir)?;
                Ok(Mailer::Files(AsyncFileTransport::new(&cfg.outbox_dir)))
            }
            MailTransport::Smtp => {
                Ok(Mailer::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(cfg.smtp_url.expose())?.build()))
            }
        }
    }

    /// `message_id` names the outbox row, so a delivery repeated after a
    /// crash between sending and recording carries the same Message-ID and
    /// mail clients show it once.
    pub async fn send(&self, from: &str, mail: &OutgoingEmail, message_id: &str) -> anyhow::Result<()> {
        let mut from: Mailbox = from.parse()?;
        if let Some(name) = &mail.from_name {
            from = Mailbox::new(Some(name.clone()), from.email);
        }
        let to: Mailbox = mail.to.parse()?;
        let builder =
            Message::builder().message_id(Some(message_id.to_owned())).from(from).to(to).subject(&mail.subject);
        let message = match &mail.html {
            Some(html) => builder
                .multipart(lettre::message::MultiPart::alternative_plain_html(mail.text.clone(), html.clone()))?,
            None => builder.header(ContentType::TEXT_PLAIN).body(mail.text.clone())?,
        };
        match self {
            Mailer::Smtp(t) => {
                t.send(message).await?;
            }
            Mailer::Files(t) => {
                t.send(message).await?;
            }
        }
        Ok(())
    }
}

/// Retries back off: 10 s, 20 s, 40 s … capped at one hour.
pub fn retry_delay(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 20) - 1;
    Duration::seconds((10i64 << exp.min(9)).min(3600))
}

/// Delivers what is due now; returns how many rows it handled. Stops between
/// emails when `stop` is cancelled and hands the rest of its batch back.
pub async fn drain_once(state: &AppState, mailer: &Mailer, stop: &CancellationToken) -> anyhow::Result<usize> {
    let now = state.clock.now();
    let items = state.store.claim_outbox(now, now + Duration::minutes(5), 20).await?;
    let n = items.len();
    let mut items = items.into_iter();
    for item in items.by_ref() {
        deliver(state, mailer, item).await;
        if stop.is_cancelled() {
            break;
        }
    }
    let untried: Vec<i64> = items.map(|i| i.id).collect();
    if !untried.is_empty() {
        state.store.release_outbox(&untried).await?;
    }
    Ok(n)
}

/// `<outbox-ID@host>`: one per outbox row, the same on every attempt.
pub fn message_id(id: i64, public_url: &str) -> String {
    let host = url::Url::parse(public_url).ok().and_then(|u| u.host_str().map(str::to_owned));
    format!("<outbox-{id}@{}>", host.unwrap_or_else(|| "localhost".into()))
}

/// Whether the outbox stops retrying an email first queued at `created`.
pub fn gives_up(created: DateTime<Utc>, now: DateTime<Utc>, window_hours: i64) -> bool {
    now - created >= Duration::hours(window_hours)
}

async fn deliver(state: &AppState, mailer: &Mailer, item: OutboxItem) {
    let result = match item.kind.as_str() {
        "email" => match serde_json::from_str::<OutgoingEmail>(&item.payload) {
            Ok(mail) => {
                mailer.send(&state.config.mail_from, &mail, &message_id(item.id, &state.config.public_url)).await
            }
            Err(e) => Err(anyhow::anyhow!("unreadable email payload: {e}")),
        },
        other => Err(anyhow::anyhow!("no handler for outbox kind {other}")),
    };
    let now = state.clock.now();
    let outcome = match result {
        Ok(()) => {
            metrics::counter!("emails_total", "outcome" => "sent").increment(1);
            state.store.finish_outbox(item.id, now).await
        }
        Err(e) if gives_up(item.created_at, now, state.config.mail_give_up_hours) => {
            metrics::counter!("emails_total", "outcome" => "given_up").increment(1);
            tracing::error!(id = item.id, attempts = item.attempts, error = %e, "outbox gave up on an email");
            state.store.fail_outbox(item.id, &e.to_string(), now).await
        }
        Err(e) => {
            metrics::counter!("emails_total", "outcome" => "retry").increment(1);
            tracing::warn!(id = item.id, attempts = item.attempts, error = %e, "outbox delivery failed");
            state.store.retry_outbox(item.id, &e.to_string(), now + retry_delay(item.attempts)).await
        }
    };
    if let Err(e) = outcome {
        tracing::error!(id = item.id, error = %e, "cannot record outbox outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_are_capped_at_an_hour() {
        assert_eq!(retry_delay(1), Duration::seconds(10));
        assert_eq!(retry_delay(2), Duration::seconds(20));
        assert_eq!(retry_delay(4), Duration::seconds(80));
        assert_eq!(retry_delay(30), Duration::hours(1));
    }

    #[test]
    fn every_attempt_at_one_email_carries_the_same_message_id() {
        assert_eq!(message_id(42, "https://portal.example.com/"), "<outbox-42@portal.example.com>");
        assert_eq!(message_id(42, "not a url"), "<outbox-42@localhost>");
    }

    #[test]
    fn the_outbox_gives_up_once_the_window_has_passed() {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert!(!gives_up(t, t + Duration::hours(23), 24));
        assert!(gives_up(t, t + Duration::hours(24), 24));
    }
}
