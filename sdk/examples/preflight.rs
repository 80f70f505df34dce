//! The partner guide's integration pattern: check the agent's trust score
//! before it acts (pre-flight), report how it went afterwards
//! (post-execution), and flush on the way out.
//!
//! ```sh
//! PORTAL_URL=http://127.0.0.1:3000 PORTAL_KEY=pk_test_… AGENT_ID=agt_… \
//!   cargo run -p partner-portal-sdk --example preflight
//! ```

use partner_portal_sdk::{Client, Config, Outcome};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("PORTAL_URL")?;
    let key = std::env::var("PORTAL_KEY")?;
    let agent = std::env::var("AGENT_ID")?;
    let client = Client::init(Config::new(url, key)).await?;
    let t = client.tenant();
    println!("{} ({}), scopes: {}", t.organisation.name, t.environment, t.scopes.join(" "));

    for task in 1..=3 {
        // Pre-flight: only a trusted agent acts.
        if !client.may_proceed(&agent, 400).await? {
            println!("task {task}: trust score too low, handing over to a person");
            continue;
        }
        let outcome = if task % 3 == 0 { Outcome::Timeout } else { Outcome::Success };
        println!("task {task}: done ({})", outcome.key());
        // Post-execution: queued and sent in the background.
        client.record(&agent, outcome)?;
    }
    let report = client.shutdown().await;
    println!("events sent: {}, failed: {}", report.sent, report.failed);
    Ok(())
}
