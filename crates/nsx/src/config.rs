//! Configuration: defaults, then `nsx.toml` (or the file `--config` names), then `NSX_*`
//! environment variables (nested keys with `__`, e.g. `NSX_SMTP__URL`), then flags.
//! Secrets never appear in `Debug` output or logs.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::db::{Backend, redact_url};
use crate::error::{Error, Result};

/// The official O*NET text release the exchange downloads when no local copy is given.
pub const DEFAULT_ONET_URL: &str = "https://www.onetcenter.org/dl_files/database/db_30_1_text.zip";

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Outgoing e-mail.
#[derive(Clone, Serialize, Deserialize, Default)]
pub struct SmtpConfig {
    /// `smtp://host:port`, `smtps://user:pass@host` or `smtp://host?tls=required`; unset disables e-mail.
    pub url: Option<String>,
    /// The From address.
    pub from: String,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &self.url.as_deref().map(redact_url))
            .field("from", &self.from)
            .finish()
    }
}

/// Everything the exchange can be told.
#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite://path` (default `sqlite://nsx-data/nsx.db`) or `postgres://…`.
    pub database_url: String,
    /// Connections per pool.
    pub max_connections: u32,
    /// Address `serve` listens on.
    pub listen: SocketAddr,
    /// Public base URL used in links, e-mails and CASE URIs (default `http://<listen>`).
    pub base_url: Option<String>,
    /// Folder for the default SQLite database and other local files.
    pub data_dir: PathBuf,
    /// O*NET release to import on first start: a folder, the official zip, or a URL.
    pub onet: Option<String>,
    /// Where to download O*NET from when `onet` is unset.
    pub onet_download_url: String,
    /// Whether `serve` may import (and download) O*NET into an empty database.
    pub bootstrap: bool,
    /// Optional NCES CIP–SOC crosswalk (CSV file or folder of CSVs) imported on first start.
    pub cip: Option<PathBuf>,
    /// Optional O*NET-SOC crosswalks (CSV file or folder) imported on first start.
    pub crosswalks: Option<PathBuf>,
    /// Optional AI-usage evidence folder imported on first start.
    pub evidence: Option<PathBuf>,
    /// Optional registered-apprenticeship CSV imported on first start.
    pub apprenticeships: Option<PathBuf>,
    /// A WordNet database folder for search's semantic layer: unset means Debian's
    /// `/usr/share/wordnet` when it is installed, `off` means none.
    pub wordnet: Option<String>,
    /// A word-vector table folder for search (`scripts/add-embeddings`): unset means
    /// `nsx-data/embeddings` when it exists, `off` means none.
    pub embeddings: Option<String>,
    /// Outgoing e-mail.
    pub smtp: SmtpConfig,
    /// Log format.
    pub log_format: LogFormat,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Extra origins allowed to POST (besides the request's own host).
    pub trusted_origins: Vec<String>,
    /// Sign-in attempts allowed per client address per minute.
    pub sign_in_per_minute: u32,
    /// Failed sign-ins for one account within 15 minutes before it is locked for 15 minutes.
    pub max_failed_sign_ins: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the per-address limits);
    /// empty: the header is ignored and the socket's peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Accounts that may be created from one client address per hour.
    pub sign_ups_per_hour: u32,
    /// Live API tokens one user may hold.
    pub max_api_tokens: u32,
    /// Passwords hashed or checked at once on one node (0 = one per core).
    pub password_hashing_slots: usize,
    /// How long (milliseconds) a request waits for a turn to hash a password before it is
    /// answered 429.
    pub password_wait_ms: u64,
    /// Session lifetime in hours.
    pub session_hours: i64,
    /// Request timeout in seconds.
    pub request_timeout_secs: u64,
    /// Bytes of rendered public pages each node keeps in memory.
    #[serde(default = "default_page_cache_bytes")]
    pub page_cache_bytes: u64,
    /// HTTP connections: header and keep-alive timeouts, the connection cap.
    #[serde(default)]
    pub http: crate::web::listener::HttpConfig,
    /// How often (seconds) a node checks whether another node changed the data.
    pub refresh_secs: u64,
    /// The name of the exchange's own standards body, which owns the frameworks drafted
    /// from O*NET.
    pub standards_body: String,
    /// Background jobs (the e-mail outbox, scheduled work).
    pub jobs: crate::jobs::JobsConfig,
    /// Limits on correction suggestions.
    pub corrections: crate::corrections::CorrectionsConfig,
    /// Fetching followed CASE documents from other servers.
    #[serde(default)]
    pub subscriptions: crate::frameworks::subscriptions::SubscriptionsConfig,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("max_connections", &self.max_connections)
            .field("listen", &self.listen)
            .field("base_url", &self.base_url)
            .field("data_dir", &self.data_dir)
            .field("onet", &self.onet)
            .field("bootstrap", &self.bootstrap)
            .field("smtp", &self.smtp)
            .field("log_format", &self.log_format)
            .field("secure_cookies", &self.secure_cookies)
            .finish_non_exhaustive()
    }
}

fn default_page_cache_bytes() -> u64 {
    crate::web::page_cache::DEFAULT_PAGE_CACHE_BYTES
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://nsx-data/nsx.db".into(),
            max_connections: 8,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            base_url: None,
            data_dir: PathBuf::from("nsx-data"),
            onet: None,
            onet_download_url: DEFAULT_ONET_URL.into(),
            bootstrap: true,
            cip: None,
            crosswalks: None,
            evidence: None,
            apprenticeships: None,
            wordnet: None,
            embeddings: None,
            smtp: SmtpConfig {
                url: None,
                from: "NSX <no-reply@localhost>".into(),
            },
            log_format: LogFormat::Text,
            secure_cookies: false,
            trusted_origins: Vec::new(),
            sign_in_per_minute: 10,
            max_failed_sign_ins: 10,
            trusted_proxies: Vec::new(),
            sign_ups_per_hour: 10,
            max_api_tokens: 20,
            password_hashing_slots: 0,
            password_wait_ms: 3000,
            session_hours: 24 * 14,
            request_timeout_secs: 30,
            page_cache_bytes: default_page_cache_bytes(),
            http: Default::default(),
            refresh_secs: 2,
            standards_body: "National Skills Exchange".into(),
            jobs: crate::jobs::JobsConfig::default(),
            corrections: crate::corrections::CorrectionsConfig::default(),
            subscriptions: Default::default(),
        }
    }
}

impl Config {
    /// Loads defaults → config file → `NSX_*` environment. A missing default `nsx.toml` is fine;
    /// a missing file named explicitly is an error.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(p) => {
                if !p.exists() {
                    return Err(Error::Config(format!(
                        "config file {} does not exist",
                        p.display()
                    )));
                }
                fig = fig.merge(Toml::file(p));
            }
            None => fig = fig.merge(Toml::file("nsx.toml")),
        }
        fig = fig.merge(Env::prefixed("NSX_").split("__"));
        let cfg: Config = fig.extract().map_err(|e| Error::Config(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<()> {
        Backend::of_url(&self.database_url)?;
        if let Some(b) = &self.base_url {
            url::Url::parse(b).map_err(|e| Error::Config(format!("base_url {b:?}: {e}")))?;
        }
        if let Some(u) = &self.smtp.url {
            url::Url::parse(u)
                .map_err(|e| Error::Config(format!("smtp.url {}: {e}", redact_url(u))))?;
            self.smtp
                .from
                .parse::<lettre::message::Mailbox>()
                .map_err(|e| Error::Config(format!("smtp.from {:?}: {e}", self.smtp.from)))?;
        }
        if self.standards_body.trim().is_empty() {
            return Err(Error::Config(
                "standards_body must name an organization".into(),
            ));
        }
        self.http.validate().map_err(Error::Config)?;
        if self.max_failed_sign_ins == 0 || self.sign_in_per_minute == 0 {
            return Err(Error::Config(
                "max_failed_sign_ins and sign_in_per_minute must be at least 1".into(),
            ));
        }
        if self.session_hours <= 0 {
            return Err(Error::Config("session_hours must be positive".into()));
        }
        Ok(())
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.base_url {
            Some(b) => b.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_debug_hides_secrets() {
        let mut c = Config::default();
        c.validate().unwrap();
        c.database_url = "postgres://nsx:hunter2@db/nsx".into();
        c.smtp.url = Some("smtps://mail:topsecret@smtp.example.org".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("topsecret"), "{shown}");
    }

    #[test]
    fn bad_values_are_refused() {
        let c = Config {
            database_url: "mysql://x".into(),
            ..Config::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("sqlite:// or postgres://")
        );
    }
}
