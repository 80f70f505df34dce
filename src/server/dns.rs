//! Custom-domain verification by DNS: the partner publishes a TXT record
//! `_partner-portal-challenge.<domain>` holding the token the portal showed
//! it. Lookups go to the configured resolver (`APP_DNS_RESOLVER`: "system"
//! or `ip:port`; tests run a small DNS server on loopback).

use crate::domain::whitelabel::verification_record;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};
use std::net::SocketAddr;
use std::time::Duration;

pub struct DomainVerifier {
    resolver: TokioResolver,
}

impl DomainVerifier {
    pub fn new(setting: &str) -> anyhow::Result<Self> {
        let mut opts = ResolverOpts::default();
        opts.timeout = Duration::from_secs(3);
        opts.attempts = 2;
        // Always ask: a record just published must be seen.
        opts.cache_size = 0;
        let builder = if setting.trim().is_empty() || setting == "system" {
            Resolver::builder_tokio()?
        } else {
            let addr: SocketAddr =
                setting.parse().map_err(|_| anyhow::anyhow!("APP_DNS_RESOLVER must be \"system\" or ip:port"))?;
            let mut server = NameServerConfig::udp_and_tcp(addr.ip());
            for connection in &mut server.connections {
                connection.port = addr.port();
            }
            Resolver::builder_with_config(
                ResolverConfig::from_parts(None, vec![], vec![server]),
                TokioRuntimeProvider::default(),
            )
        };
        Ok(DomainVerifier { resolver: builder.with_options(opts).build()? })
    }

    /// Whether `domain` publishes `token`; otherwise what the partner should
    /// fix, in words.
    pub async fn check(&self, domain: &str, token: &str) -> Result<(), String> {
        let name = format!("{}.", verification_record(domain));
        match self.resolver.txt_lookup(name.as_str()).await {
            Ok(found) => {
                let values: Vec<String> = found
                    .answers()
                    .iter()
                    .filter_map(|record| match &record.data {
                        RData::TXT(txt) => Some(
                            txt.txt_data.iter().map(|d| String::from_utf8_lossy(d).into_owned()).collect::<String>(),
                        ),
                        _ => None,
                    })
                    .collect();
                if values.iter().any(|v| v.trim() == token) {
                    Ok(())
                } else {
                    Err(format!(
                        "The TXT record {} exists but holds {}, not the value shown here.",
                        verification_record(domain),
                        values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
                    ))
                }
            }
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Err(format!(
                "No TXT record {} was found. Create it (DNS changes can take a while to appear) and try again.",
                verification_record(domain)
            )),
            Err(e) => Err(format!("The DNS lookup failed ({e}). Try again in a few minutes.")),
        }
    }
}
