//! /developers/verify: how to check a delivery's signature, with code for
//! the receivers partners write most.

use super::shared::DevHeader;
use crate::ui::components::card::Card;
use leptos::prelude::*;
use leptos_meta::Title;

const RUST_VERIFY: &str = r#"// Cargo.toml: hmac = "0.12", sha2 = "0.10", base64 = "0.22"
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// True if any v1 signature in `webhook-signature` matches.
fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else { return false };
    let Ok(ts) = timestamp.parse::<i64>() else { return false };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    if (now - ts).abs() > 300 { return false; } // refuse replays older than 5 minutes
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    header.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|sig| {
        STANDARD.decode(sig).map(|s| s.len() == expected.len()
            && s.iter().zip(expected.iter()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0).unwrap_or(false)
    })
}"#;

const PYTHON_VERIFY: &str = r#"import base64, hashlib, hmac, time

def verify(secret: str, msg_id: str, timestamp: str, body: bytes, header: str) -> bool:
    """True if any v1 signature in the webhook-signature header matches."""
    if abs(time.time() - int(timestamp)) > 300:  # refuse replays older than 5 minutes
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(sig.removeprefix("v1,"), expected)
        for sig in header.split(" ") if sig.startswith("v1,")
    )

# Flask: verify(SECRET, request.headers["webhook-id"], request.headers["webhook-timestamp"],
#               request.get_data(), request.headers["webhook-signature"])"#;

const NODE_VERIFY: &str = r#"const crypto = require("node:crypto");

// True if any v1 signature in the webhook-signature header matches.
// `body` must be the raw request body (a Buffer), not re-serialised JSON.
function verify(secret, id, timestamp, body, header) {
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false; // replay window
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = crypto.createHmac("sha256", key)
    .update(`${id}.${timestamp}.`).update(body).digest();
  return header.split(" ").filter((s) => s.startsWith("v1,")).some((s) => {
    const sig = Buffer.from(s.slice(3), "base64");
    return sig.length === expected.length && crypto.timingSafeEqual(sig, expected);
  });
}

// Express: app.post("/hooks", express.raw({ type: "application/json" }), (req, res) => {
//   const h = req.headers;
//   if (!verify(SECRET, h["webhook-id"], h["webhook-timestamp"], req.body, h["webhook-signature"]))
//     return res.sendStatus(401);
//   res.sendStatus(204);
// });"#;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let sample = |title: &'static str, code: &'static str, id: &'static str| {
        view! {
            <Card title id heading="mb-2 font-semibold" margin="mb-4">
                <pre class="overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid=id><code>{code}</code></pre>
            </Card>
        }
    };
    view! {
        <Title text="Verify your receiver"/>
        <DevHeader current="/developers/verify"/>
        <div class="mb-4 max-w-3xl space-y-2 text-sm text-slate-700">
            <p>"Every delivery is a POST with a JSON body " <code>"{\"type\", \"timestamp\", \"data\"}"</code> " and these headers (the Standard Webhooks specification):"</p>
            <ul class="list-disc pl-5">
                <li><code>"webhook-id"</code> ": the message id; the same on every retry and replay, so you can drop duplicates."</li>
                <li><code>"webhook-timestamp"</code> ": seconds since 1970; refuse messages more than five minutes old."</li>
                <li><code>"webhook-signature"</code> ": " <code>"v1,<base64 HMAC-SHA256 of id.timestamp.body>"</code> " under your secret's bytes (the base64 after " <code>"whsec_"</code> "). During a rotation it holds two signatures separated by a space; accept either."</li>
                <li><code>"X-Signature"</code> " (" <code>"sha256=<hex HMAC of timestamp.body>"</code> ") and " <code>"X-Event-Type"</code> " are sent too, for older receivers; during a rotation X-Signature holds one value per secret, separated by a comma."</li>
            </ul>
            <p>"Answer with any 2xx within 10 seconds. Other answers are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; 410 Gone disables the subscription; redirects are not followed."</p>
        </div>
        {sample("Rust", RUST_VERIFY, "verify-rust")}
        {sample("Python", PYTHON_VERIFY, "verify-python")}
        {sample("Node.js", NODE_VERIFY, "verify-node")}
    }
}
