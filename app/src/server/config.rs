//! Configuration from environment variables, optionally seeded from a `KEY=value` file named by
//! `TRYGG_CONFIG`. Environment variables win over the file.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub data_dir: PathBuf,
    /// The public origin, e.g. `https://trygg.example` or `http://127.0.0.1:3000`.
    pub base_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Peers whose `X-Forwarded-For` is believed. Empty (the default): the socket address is the
    /// client address, whatever the headers say.
    pub trusted_proxies: Vec<IpAddr>,
    pub master_key: MasterKeySource,
    pub session: SessionPolicy,
    /// Lists the mail outbox at `/dev/outbox`: only when asked for (`TRYGG_DEV_OUTBOX=1`), without
    /// SMTP, with a plain `http://` loopback base URL. The outbox holds live reset and consent
    /// links, so it must never be on by accident.
    pub dev_outbox: bool,
    /// Months after a booking that its IP address and User-Agent are kept (unless asked about):
    /// `TRYGG_BOOKING_IP_RETENTION_MONTHS`, 1–120, default 6.
    pub booking_ip_retention_months: u32,
    /// Who runs this Trygg: the processor named in every practice's data processing agreement.
    pub operator: Operator,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub address: String,
    pub org_number: String,
    pub email: String,
}

impl Operator {
    /// The settings still empty that the data processing agreement needs to name the processor.
    /// Until there are none, no agreement is issued: an agreement with blanks binds no one.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("TRYGG_OPERATOR_ADDRESS", &self.address),
            ("TRYGG_OPERATOR_ORG_NUMBER", &self.org_number),
            ("TRYGG_OPERATOR_EMAIL", &self.email),
        ]
        .into_iter()
        .filter(|(_, value)| value.trim().is_empty())
        .map(|(name, _)| name)
        .collect()
    }
}

#[derive(Clone)]
pub enum MasterKeySource {
    /// Base64 of 32 bytes, from `TRYGG_MASTER_KEY`.
    Inline(String),
    /// A file holding the key; created with mode 0600 when missing.
    File(PathBuf),
}

#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub absolute_lifetime_secs: i64,
    pub login_throttle: ThrottlePolicy,
}

#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    pub window_secs: i64,
    /// Failed passwords per account from one network (or one known browser, or one session).
    pub max_failures_per_account: i64,
    /// Failed passwords per account from everywhere together, in a day.
    pub max_failures_per_account_per_day: i64,
    pub max_failures_per_ip: i64,
    pub max_mail_requests_per_ip: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            absolute_lifetime_secs: 7 * 24 * 3600,
            login_throttle: ThrottlePolicy {
                window_secs: 15 * 60,
                max_failures_per_account: 5,
                max_failures_per_account_per_day: 100,
                max_failures_per_ip: 30,
                max_mail_requests_per_ip: 10,
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
    #[error(transparent)]
    NotPrivate(#[from] super::private_files::NotPrivate),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("TRYGG_CONFIG") {
            super::private_files::ensure_private(std::path::Path::new(&path), "configuration file (TRYGG_CONFIG)")?;
            let text =
                std::fs::read_to_string(&path).map_err(|source| ConfigError::File { path: path.clone(), source })?;
            vars.extend(parse_config_file(&text));
        }
        vars.extend(std::env::vars());
        Self::from_vars(&vars)
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| vars.get(name).filter(|v| !v.trim().is_empty()).cloned();
        let data_dir = PathBuf::from(get("TRYGG_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("TRYGG_DATABASE_URL")
            .or_else(|| get("DATABASE_URL"))
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("trygg.db").display()));
        let base_url = parse_base_url(&get("TRYGG_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into()))?;
        let trusted_proxies = match get("TRYGG_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|ip| {
                    ip.trim().parse().map_err(|_| ConfigError::Invalid {
                        name: "TRYGG_TRUSTED_PROXIES",
                        message: format!("not an IP address: {ip}"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let master_key = match (get("TRYGG_MASTER_KEY"), get("TRYGG_MASTER_KEY_FILE")) {
            (Some(key), _) => MasterKeySource::Inline(key),
            (None, Some(path)) => MasterKeySource::File(path.into()),
            (None, None) => MasterKeySource::File(data_dir.join("master.key")),
        };
        let smtp_url = get("TRYGG_SMTP_URL");
        let mut session = SessionPolicy::default();
        if let Some(secs) = get("TRYGG_SESSION_ABSOLUTE_SECS") {
            session.absolute_lifetime_secs =
                secs.parse().ok().filter(|s: &i64| *s > 0).ok_or_else(|| ConfigError::Invalid {
                    name: "TRYGG_SESSION_ABSOLUTE_SECS",
                    message: "must be a positive number of seconds".into(),
                })?;
        }
        if let Some(limit) = get("TRYGG_MAIL_REQUESTS_PER_IP") {
            session.login_throttle.max_mail_requests_per_ip =
                limit.parse().ok().filter(|n: &i64| *n > 0).ok_or_else(|| ConfigError::Invalid {
                    name: "TRYGG_MAIL_REQUESTS_PER_IP",
                    message: "must be a positive number".into(),
                })?;
        }
        if let Some(url) = &smtp_url {
            check_smtp_url(url)?;
        }
        let booking_ip_retention_months = match get("TRYGG_BOOKING_IP_RETENTION_MONTHS") {
            None => 6,
            Some(months) => {
                months.trim().parse().ok().filter(|m| (1..=120).contains(m)).ok_or_else(|| ConfigError::Invalid {
                    name: "TRYGG_BOOKING_IP_RETENTION_MONTHS",
                    message: "must be a number of months from 1 to 120".into(),
                })?
            }
        };
        let dev_outbox = match get("TRYGG_DEV_OUTBOX").as_deref().map(str::trim) {
            None | Some("0") => false,
            Some("1") => true,
            Some(_) => {
                return Err(ConfigError::Invalid { name: "TRYGG_DEV_OUTBOX", message: "must be 1 or 0".into() });
            }
        };
        if dev_outbox {
            check_dev_outbox(&base_url, smtp_url.is_some())?;
        }
        let operator = Operator {
            name: get("TRYGG_OPERATOR_NAME").unwrap_or_else(|| "Trygg".into()),
            address: get("TRYGG_OPERATOR_ADDRESS").unwrap_or_default(),
            org_number: get("TRYGG_OPERATOR_ORG_NUMBER").unwrap_or_default(),
            email: get("TRYGG_OPERATOR_EMAIL").unwrap_or_default(),
        };
        Ok(Self {
            operator,
            database_url,
            data_dir,
            mail_from: get("TRYGG_MAIL_FROM").unwrap_or_else(|| "Trygg <no-reply@trygg.invalid>".into()),
            base_url,
            smtp_url,
            trusted_proxies,
            master_key,
            session,
            dev_outbox,
            booking_ip_retention_months,
        })
    }

    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

// Deliberately hand-written: the SMTP URL may carry a password and the master key is a secret.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("base_url", &self.base_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("trusted_proxies", &self.trusted_proxies)
            .field(
                "master_key",
                &match &self.master_key {
                    MasterKeySource::Inline(_) => "inline (redacted)".to_string(),
                    MasterKeySource::File(p) => format!("file {}", p.display()),
                },
            )
            .field("session", &self.session)
            .field("dev_outbox", &self.dev_outbox)
            .field("booking_ip_retention_months", &self.booking_ip_retention_months)
            .field("operator", &self.operator)
            .finish()
    }
}

/// The origin browsers will send: scheme and host (lower-case) and port, no path. Plain `http://`
/// only for loopback hosts, so a deployment cannot silently lose `Secure` cookies and HSTS.
fn parse_base_url(input: &str) -> Result<String, ConfigError> {
    let invalid = |message: &str| ConfigError::Invalid { name: "TRYGG_BASE_URL", message: message.into() };
    let url = input.trim().trim_end_matches('/').to_lowercase();
    let (scheme, authority) = url.split_once("://").ok_or_else(|| invalid("must start with http:// or https://"))?;
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err(invalid("must be an origin only, like https://trygg.example"));
    }
    match scheme {
        "https" => Ok(url),
        "http" if is_loopback_url(&url) => Ok(url),
        "http" => Err(invalid("plain http:// is only allowed for 127.0.0.1 or localhost; use https://")),
        _ => Err(invalid("must start with http:// or https://")),
    }
}

/// The development outbox shows live links: only on a developer's own machine, never beside a
/// real mail server, and never on an `https://` (that is, deployed) origin.
fn check_dev_outbox(base_url: &str, has_smtp: bool) -> Result<(), ConfigError> {
    let invalid = |message: &str| Err(ConfigError::Invalid { name: "TRYGG_DEV_OUTBOX", message: message.into() });
    if has_smtp {
        return invalid("the outbox is for development without SMTP; unset TRYGG_SMTP_URL or TRYGG_DEV_OUTBOX");
    }
    if !base_url.starts_with("http://") || !is_loopback_url(base_url) {
        return invalid("the outbox is only for a plain http:// loopback base URL, never an https:// one");
    }
    Ok(())
}

/// Mail carries reset and consent links: it leaves the machine only over TLS (`smtps://`, or
/// `smtp://…?tls=required` for STARTTLS). Plain or opportunistic `smtp://` (which a
/// man-in-the-middle can strip) is allowed to a relay on this machine only.
fn check_smtp_url(url: &str) -> Result<(), ConfigError> {
    let invalid = |message: &str| ConfigError::Invalid { name: "TRYGG_SMTP_URL", message: message.into() };
    let (scheme, rest) = url.trim().split_once("://").ok_or_else(|| invalid("must start with smtps:// or smtp://"))?;
    let (rest, query) = rest.split_once('?').map_or((rest, ""), |(r, q)| (r, q));
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let tls_required = query.split('&').any(|pair| pair == "tls=required");
    match scheme.to_ascii_lowercase().as_str() {
        "smtps" => Ok(()),
        "smtp" if tls_required || is_loopback_url(&format!("smtp://{}", host.to_ascii_lowercase())) => Ok(()),
        "smtp" => Err(invalid(
            "smtp:// without TLS may only reach this machine; use smtps://host:465 or smtp://host:587?tls=required",
        )),
        _ => Err(invalid("must start with smtps:// or smtp://")),
    }
}

/// Replaces the password in `scheme://user:password@host` (and any `password=` parameter) with `***`.
pub fn redact_url(url: &str) -> String {
    let (url, query) = url.split_once('?').map_or((url, None), |(u, q)| (u, Some(q)));
    let mut out = match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:***@{host}"),
                    None => authority.to_string(),
                },
                None => authority.to_string(),
            };
            format!("{scheme}://{authority}{}", path.map(|p| format!("/{p}")).unwrap_or_default())
        }
        None => url.to_string(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out = format!("{out}?{}", params.join("&"));
    }
    out
}

fn is_loopback_url(url: &str) -> bool {
    let host = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = host.split('/').next().unwrap_or_default();
    let host = if host.ends_with(']') { host } else { host.rsplit_once(':').map_or(host, |(h, _)| h) };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn parse_config_file(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_to_sqlite_in_the_data_dir_without_the_outbox_page() {
        let config = Config::from_vars(&vars(&[("TRYGG_DATA_DIR", "/tmp/x")])).unwrap();
        assert_eq!(config.database_url, "sqlite:///tmp/x/trygg.db?mode=rwc");
        assert!(!config.dev_outbox, "the outbox page needs TRYGG_DEV_OUTBOX=1");
        assert_eq!(config.booking_ip_retention_months, 6, "booking IP addresses are kept 6 months by default");
        let year = Config::from_vars(&vars(&[("TRYGG_BOOKING_IP_RETENTION_MONTHS", "12")])).unwrap();
        assert_eq!(year.booking_ip_retention_months, 12);
        for months in ["0", "121", "six"] {
            let error = Config::from_vars(&vars(&[("TRYGG_BOOKING_IP_RETENTION_MONTHS", months)])).err();
            assert!(error.is_some_and(|e| e.to_string().starts_with("TRYGG_BOOKING_IP_RETENTION_MONTHS")), "{months}");
        }
        assert!(config.trusted_proxies.is_empty());
        assert!(!config.is_https());
    }

    #[test]
    fn the_outbox_page_is_on_only_when_asked_for_on_a_loopback_http_origin() {
        let asked = Config::from_vars(&vars(&[("TRYGG_DEV_OUTBOX", "1")])).unwrap();
        assert!(asked.dev_outbox);
        let localhost =
            Config::from_vars(&vars(&[("TRYGG_DEV_OUTBOX", "1"), ("TRYGG_BASE_URL", "http://localhost:8080")]))
                .unwrap();
        assert!(localhost.dev_outbox);
        assert!(!Config::from_vars(&vars(&[("TRYGG_DEV_OUTBOX", "0")])).unwrap().dev_outbox);
        for refused in [
            vec![("TRYGG_DEV_OUTBOX", "1"), ("TRYGG_BASE_URL", "https://trygg.example")],
            vec![("TRYGG_DEV_OUTBOX", "1"), ("TRYGG_BASE_URL", "https://localhost:3000")],
            vec![("TRYGG_DEV_OUTBOX", "1"), ("TRYGG_SMTP_URL", "smtp://localhost:25")],
            vec![("TRYGG_DEV_OUTBOX", "yes")],
        ] {
            let error = Config::from_vars(&vars(&refused)).err().unwrap_or_else(|| panic!("accepted {refused:?}"));
            assert!(error.to_string().starts_with("TRYGG_DEV_OUTBOX"), "{error}");
        }
    }

    #[test]
    fn mail_leaves_the_machine_only_over_tls() {
        for accepted in [
            "smtps://mailer:secret@mail.example:465",
            "smtp://mailer:secret@mail.example:587?tls=required",
            "smtp://127.0.0.1:2525",
            "smtp://localhost",
            "smtp://LOCALHOST:25?tls=opportunistic",
            "smtp://[::1]:25",
        ] {
            assert!(Config::from_vars(&vars(&[("TRYGG_SMTP_URL", accepted)])).is_ok(), "{accepted}");
        }
        for refused in [
            "smtp://mail.example:25",
            "smtp://mailer:secret@mail.example:587?tls=opportunistic",
            "smtp://mailer:p@ss@mail.example",
            "smtp://10.0.0.5:25",
            "smtp://localhost.evil.example:25",
            "smtp://127.0.0.1.evil.example",
            "http://mail.example",
            "mail.example:25",
        ] {
            let error = Config::from_vars(&vars(&[("TRYGG_SMTP_URL", refused)])).err().map(|e| e.to_string());
            assert!(error.as_ref().is_some_and(|e| e.starts_with("TRYGG_SMTP_URL")), "{refused}");
            assert!(!error.unwrap().contains("secret"), "the message never repeats the URL's password");
        }
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config::from_vars(&vars(&[
            ("TRYGG_SMTP_URL", "smtps://mailer:hunter2@mail.example:465"),
            ("TRYGG_MASTER_KEY", "c2VjcmV0LWtleS1tYXRlcmlhbA=="),
            ("TRYGG_DATABASE_URL", "postgres://app:pgsecret@db/trygg"),
        ]))
        .unwrap();
        let printed = format!("{config:?}");
        for secret in ["hunter2", "c2VjcmV0LWtleS1tYXRlcmlhbA==", "pgsecret"] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }

    #[test]
    fn rejects_bad_values() {
        assert!(Config::from_vars(&vars(&[("TRYGG_TRUSTED_PROXIES", "not-an-ip")])).is_err());
        for base in ["ftp://x", "http://trygg.example", "https://trygg.example/app", "https://", "trygg.example"] {
            assert!(Config::from_vars(&vars(&[("TRYGG_BASE_URL", base)])).is_err(), "{base}");
        }
        for secs in ["0", "-5", "soon"] {
            assert!(Config::from_vars(&vars(&[("TRYGG_SESSION_ABSOLUTE_SECS", secs)])).is_err(), "{secs}");
        }
    }

    #[test]
    fn base_urls_are_normalised_origins() {
        let config = Config::from_vars(&vars(&[("TRYGG_BASE_URL", "HTTPS://Trygg.Example/")])).unwrap();
        assert_eq!(config.base_url, "https://trygg.example");
        let local = Config::from_vars(&vars(&[("TRYGG_BASE_URL", "http://localhost:8080")])).unwrap();
        assert_eq!(local.base_url, "http://localhost:8080");
    }

    #[test]
    fn redaction_survives_tricky_urls() {
        assert_eq!(redact_url("postgres://u:p@ss@db/x"), "postgres://u:***@db/x");
        assert_eq!(redact_url("postgres://db/x?user=u&password=secret"), "postgres://db/x?user=u&password=***");
        assert_eq!(redact_url("sqlite://data/trygg.db?mode=rwc"), "sqlite://data/trygg.db?mode=rwc");
    }

    #[test]
    fn the_operator_is_complete_only_with_address_org_number_and_email() {
        let unset = Config::from_vars(&vars(&[])).unwrap().operator;
        assert_eq!(unset.name, "Trygg");
        assert_eq!(unset.missing(), ["TRYGG_OPERATOR_ADDRESS", "TRYGG_OPERATOR_ORG_NUMBER", "TRYGG_OPERATOR_EMAIL"]);
        let partly = Config::from_vars(&vars(&[("TRYGG_OPERATOR_ORG_NUMBER", "974760673")])).unwrap().operator;
        assert_eq!(partly.missing(), ["TRYGG_OPERATOR_ADDRESS", "TRYGG_OPERATOR_EMAIL"]);
        let complete = Config::from_vars(&vars(&[
            ("TRYGG_OPERATOR_ADDRESS", "Storgata 1, 0155 Oslo"),
            ("TRYGG_OPERATOR_ORG_NUMBER", "974760673"),
            ("TRYGG_OPERATOR_EMAIL", "personvern@trygg.example"),
        ]))
        .unwrap()
        .operator;
        assert!(complete.missing().is_empty());
    }

    #[test]
    fn config_file_lines() {
        let parsed: HashMap<_, _> =
            parse_config_file("# comment\nTRYGG_BASE_URL = \"https://a.example\"\n\nX=1").collect();
        assert_eq!(parsed["TRYGG_BASE_URL"], "https://a.example");
        assert_eq!(parsed["X"], "1");
    }
}
