//! Server configuration: defaults, then an optional TOML file, then
//! environment variables (`INSIGNIA_*`, `DATABASE_URL`), then command-line
//! flags (applied by the caller). Documented in the README.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::ServerError;

/// Outgoing mail (SMTP).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// `smtp://host:port` (plain, upgraded with STARTTLS when the relay offers
    /// it; `?tls=required`, implied by a username, refuses to go on without
    /// it) or `smtps://host:port` (TLS from the first byte).
    pub url: String,
    /// The sender address (`badges@example.org`); the issuer's name is shown
    /// as the sender's name and its e-mail is the Reply-To.
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// A PEM file of CA certificates to trust for the relay's TLS certificate
    /// (a relay with a certificate from a private CA), in addition to the
    /// public web roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Messages per second at most, so a large bulk award does not get the
    /// relay to throttle or block the sender.
    #[serde(default = "default_rate")]
    pub rate_per_second: f64,
}

fn default_rate() -> f64 {
    5.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The public address people and verifiers reach this server at, e.g.
    /// `https://badges.example.org`. Badge URLs and the issuers' did:web
    /// identifiers are built from it, so it must not change once badges exist.
    pub base_url: String,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where the SQLite database and the master key live.
    pub data_dir: PathBuf,
    /// `sqlite:…` or `postgres://…`; defaults to SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Database connections this process keeps open at most (default: 8 on
    /// SQLite; on PostgreSQL four per CPU core, at least 4 and at most 32).
    /// Several processes sharing one PostgreSQL add up their pools.
    pub database_max_connections: Option<u32>,
    /// The master key (base64, 32 bytes) that seals issuers' private keys.
    /// Defaults to a key file generated in `data_dir`.
    pub master_key: Option<String>,
    pub smtp: Option<SmtpConfig>,
    /// Send cookies with `Secure` (on unless the base URL is plain http).
    pub secure_cookies: Option<bool>,
    /// Days a claim link (sent in the award e-mail) stays valid; after that
    /// the recipient can ask for a new one.
    pub claim_link_days: u32,
    /// The request header a reverse proxy in front of this server puts the
    /// client's address in (`x-forwarded-for`, `x-real-ip`…). Only then is
    /// that header believed (its last address, the one the proxy added);
    /// otherwise the client is the connection's peer address.
    pub trusted_proxy_header: Option<String>,
}

/// The default of [`Config::claim_link_days`].
pub const CLAIM_LINK_DAYS: u32 = 90;
/// The longest [`Config::claim_link_days`] (ten years).
const MAX_CLAIM_LINK_DAYS: u32 = 3_650;

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: "http://127.0.0.1:8080".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("insignia-data"),
            database_url: None,
            database_max_connections: None,
            master_key: None,
            smtp: None,
            secure_cookies: None,
            claim_link_days: CLAIM_LINK_DAYS,
            trusted_proxy_header: None,
        }
    }
}

impl Config {
    /// Defaults overlaid with `file` (if given) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ServerError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ServerError::Config(format!("cannot read {}: {e}", path.display()))
                })?;
                toml::from_str(&text)
                    .map_err(|e| ServerError::Config(format!("{}: {e}", path.display())))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Applies environment variables, read through `var` (tests pass a map).
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ServerError> {
        if let Some(v) = var("INSIGNIA_BASE_URL") {
            self.base_url = v;
        }
        if let Some(v) = var("INSIGNIA_LISTEN") {
            self.listen = v.parse().map_err(|_| {
                ServerError::Config(format!("INSIGNIA_LISTEN={v:?} is not host:port"))
            })?;
        }
        if let Some(v) = var("INSIGNIA_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("DATABASE_URL").or_else(|| var("INSIGNIA_DATABASE_URL")) {
            self.database_url = Some(v);
        }
        if let Some(v) = var("INSIGNIA_DATABASE_MAX_CONNECTIONS") {
            let n: u32 = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                ServerError::Config(format!(
                    "INSIGNIA_DATABASE_MAX_CONNECTIONS={v:?} is not a positive number"
                ))
            })?;
            self.database_max_connections = Some(n);
        }
        if let Some(v) = var("INSIGNIA_MASTER_KEY") {
            self.master_key = Some(v);
        }
        if let Some(url) = var("INSIGNIA_SMTP_URL") {
            self.smtp = Some(SmtpConfig {
                url,
                from: var("INSIGNIA_SMTP_FROM").unwrap_or_else(|| "badges@localhost".into()),
                username: var("INSIGNIA_SMTP_USERNAME"),
                password: var("INSIGNIA_SMTP_PASSWORD"),
                ca_file: var("INSIGNIA_SMTP_CA_FILE").map(PathBuf::from),
                rate_per_second: default_rate(),
            });
        }
        if let (Some(v), Some(smtp)) = (var("INSIGNIA_SMTP_RATE"), self.smtp.as_mut()) {
            smtp.rate_per_second = v.parse().map_err(|_| {
                ServerError::Config(format!("INSIGNIA_SMTP_RATE={v:?} is not a number"))
            })?;
        }
        if let Some(v) = var("INSIGNIA_CLAIM_LINK_DAYS") {
            self.claim_link_days = v.parse().map_err(|_| {
                ServerError::Config(format!(
                    "INSIGNIA_CLAIM_LINK_DAYS={v:?} is not a number of days"
                ))
            })?;
        }
        if let Some(v) = var("INSIGNIA_TRUSTED_PROXY_HEADER") {
            self.trusted_proxy_header = Some(v);
        }
        Ok(())
    }

    /// Checks the values and normalises the base URL (no trailing slash).
    pub fn validate(&mut self) -> Result<(), ServerError> {
        let parsed = url::Url::parse(&self.base_url)
            .map_err(|e| ServerError::Config(format!("base_url {:?}: {e}", self.base_url)))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(ServerError::Config(format!(
                "base_url {:?} must be an http(s) address",
                self.base_url
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(ServerError::Config(
                "base_url must not have a query or fragment".into(),
            ));
        }
        self.base_url = self.base_url.trim_end_matches('/').to_owned();
        if !(1..=MAX_CLAIM_LINK_DAYS).contains(&self.claim_link_days) {
            return Err(ServerError::Config(format!(
                "claim_link_days {} must be from 1 to {MAX_CLAIM_LINK_DAYS}",
                self.claim_link_days
            )));
        }
        if let Some(smtp) = &self.smtp {
            crate::mail::check_config(smtp)?;
        }
        if let Some(name) = &self.trusted_proxy_header {
            let name = name.trim().to_ascii_lowercase();
            if axum::http::HeaderName::from_bytes(name.as_bytes()).is_err() || name.is_empty() {
                return Err(ServerError::Config(format!(
                    "trusted_proxy_header {name:?} is not a header name"
                )));
            }
            self.trusted_proxy_header = Some(name);
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite:{}", self.data_dir.join("insignia.db").display()))
    }

    /// How long a claim link stays valid, in seconds.
    pub fn claim_link_seconds(&self) -> i64 {
        i64::from(self.claim_link_days) * 86_400
    }

    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
            .unwrap_or_else(|| self.base_url.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::HashMap;

    use super::*;

    fn with_env(pairs: &[(&str, &str)]) -> Result<Config, ServerError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut config = Config::default();
        config.apply_env(|name| env.get(name).cloned())?;
        Ok(config)
    }

    #[test]
    fn claim_links_last_90_days_unless_set() {
        let mut config = with_env(&[]).unwrap();
        assert_eq!(config.claim_link_days, 90);
        assert_eq!(config.claim_link_seconds(), 90 * 86_400);
        config.validate().unwrap();

        let mut config = with_env(&[("INSIGNIA_CLAIM_LINK_DAYS", "14")]).unwrap();
        assert_eq!(config.claim_link_days, 14);
        config.validate().unwrap();
        assert!(with_env(&[("INSIGNIA_CLAIM_LINK_DAYS", "two weeks")]).is_err());
        for days in ["0", "3651"] {
            let mut config = with_env(&[("INSIGNIA_CLAIM_LINK_DAYS", days)]).unwrap();
            assert!(config.validate().is_err(), "{days}");
        }

        let file: Config = toml::from_str("claim_link_days = 30").unwrap();
        assert_eq!(file.claim_link_days, 30);
    }

    #[test]
    fn smtp_settings_come_from_the_file_or_the_environment() {
        let file: Config = toml::from_str(
            "[smtp]\nurl = \"smtps://relay.example.org\"\nfrom = \"badges@example.org\"\n\
             username = \"u\"\npassword = \"p\"\nca_file = \"/etc/insignia/relay-ca.pem\"\n",
        )
        .unwrap();
        let smtp = file.smtp.unwrap();
        assert_eq!(
            smtp.ca_file.as_deref(),
            Some(Path::new("/etc/insignia/relay-ca.pem"))
        );
        assert_eq!(smtp.rate_per_second, 5.0);

        let config = with_env(&[
            (
                "INSIGNIA_SMTP_URL",
                "smtp://relay.example.org:587?tls=required",
            ),
            ("INSIGNIA_SMTP_USERNAME", "u"),
            ("INSIGNIA_SMTP_PASSWORD", "p"),
            ("INSIGNIA_SMTP_CA_FILE", "/etc/ssl/private-ca.pem"),
        ])
        .unwrap();
        let smtp = config.smtp.unwrap();
        assert_eq!(smtp.username.as_deref(), Some("u"));
        assert_eq!(
            smtp.ca_file.as_deref(),
            Some(Path::new("/etc/ssl/private-ca.pem"))
        );
        assert_eq!(smtp.from, "badges@localhost");
    }
}
