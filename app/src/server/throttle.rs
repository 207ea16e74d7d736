//! Throttling of password attempts, two-factor codes and requests that send mail, in sliding
//! windows over the `login_attempts` table.
//!
//! A password attempt counts against
//! - the account *from that network* (5 in 15 minutes): an attacker's guesses slow the
//!   attacker's network, not the owner elsewhere;
//! - the account alone, as a high ceiling (100 a day, NIST SP 800-63B's bound on consecutive
//!   failures), which many networks together cannot pass;
//! - the network, whatever account is typed (30 in 15 minutes);
//!
//! except from a browser that has completed a sign-in to this account before (its device cookie)
//! or from a running session confirming the password again: those count only against
//! themselves, so failures from elsewhere never block the owner's own browser.
//!
//! An attempt is written *before* the password is checked and counts the attempts up to and
//! including itself, so a burst of parallel guesses cannot slip past the check: the k-th attempt
//! always sees k. Scopes are stored as keyed hashes (of an email, an IP address), never as text.

use std::net::IpAddr;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::clock::Clock;
use super::config::ThrottlePolicy;
use super::crypto::MasterKey;
use super::db::Db;
use super::network::network_of;

#[derive(Clone)]
pub struct LoginThrottle {
    db: Db,
    clock: Clock,
    policy: ThrottlePolicy,
    master_key: Arc<MasterKey>,
}

/// Where a password attempt comes from, as far as throttling is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Any browser, from this address.
    Network(IpAddr),
    /// A browser that completed a sign-in to the account before (the row of its device cookie).
    KnownDevice(i64),
    /// A session of the account confirming the password again (the session's row).
    Session(i64),
}

/// One password attempt: the email as typed (whether or not it has an account) and its source.
pub struct PasswordAttempt<'a> {
    pub email: &'a str,
    pub source: Source,
}

/// An attempt that was allowed to proceed; the ids of its rows, to take it back on success.
#[must_use = "an admitted attempt counts as a failure unless it is forgiven"]
pub struct Admitted {
    rows: Vec<i64>,
}

/// One counter: what it counts, how many it allows, over how many seconds.
struct Scope {
    text: String,
    limit: i64,
    window_secs: i64,
}

impl PasswordAttempt<'_> {
    fn scopes(&self, policy: &ThrottlePolicy) -> Vec<Scope> {
        let strict = |suffix: String| Scope {
            text: format!("password:{}|{suffix}", self.email),
            limit: policy.max_failures_per_account,
            window_secs: policy.window_secs,
        };
        match self.source {
            Source::Network(ip) => vec![
                strict(format!("net:{}", network_of(ip))),
                Scope {
                    text: format!("password:{}", self.email),
                    limit: policy.max_failures_per_account_per_day,
                    window_secs: DAY_SECS,
                },
                network_scope(ip, policy),
            ],
            Source::KnownDevice(device) => vec![strict(format!("device:{device}"))],
            Source::Session(session) => vec![strict(format!("session:{session}"))],
        }
    }

    /// The scopes a completed sign-in clears: this source's strict counter and the account's
    /// ceiling (NIST counts *consecutive* failures). The network's count stays.
    fn cleared_by_success(&self, policy: &ThrottlePolicy) -> Vec<Scope> {
        let mut scopes = self.scopes(policy);
        scopes.retain(|scope| scope.text.starts_with("password:"));
        scopes
    }
}

const DAY_SECS: i64 = 24 * 3600;

fn network_scope(ip: IpAddr, policy: &ThrottlePolicy) -> Scope {
    Scope {
        text: format!("net:{}", network_of(ip)),
        limit: policy.max_failures_per_ip,
        window_secs: policy.window_secs,
    }
}

impl LoginThrottle {
    pub fn new(db: Db, clock: Clock, policy: ThrottlePolicy, master_key: Arc<MasterKey>) -> Self {
        Self { db, clock, policy, master_key }
    }

    /// Records a password attempt, then counts. `Err(seconds to wait)` when a scope is over its
    /// limit; a refused attempt is not counted (waiting out the window is enough).
    pub async fn admit_password(&self, attempt: &PasswordAttempt<'_>) -> Result<Result<Admitted, i64>, sqlx::Error> {
        self.admit_scopes(&attempt.scopes(&self.policy)).await
    }

    /// A two-factor code, counted per network (the account's own counter of wrong codes is kept
    /// with the account, see `two_factor::store::count_code_attempt`).
    pub async fn admit_code(&self, ip: IpAddr) -> Result<Result<Admitted, i64>, sqlx::Error> {
        self.admit_scopes(&[network_scope(ip, &self.policy)]).await
    }

    /// Requests that send mail to an address the caller types (sign-up, forgotten password,
    /// booking), per client network and purpose: a flood of them would burn CPU and fill
    /// strangers' inboxes.
    pub async fn admit_mail_request(&self, purpose: &str, ip: IpAddr) -> Result<Result<Admitted, i64>, sqlx::Error> {
        let scope = Scope {
            text: format!("{purpose}:{}", network_of(ip)),
            limit: self.policy.max_mail_requests_per_ip,
            window_secs: self.policy.window_secs,
        };
        let admitted = self.admit_scopes(&[scope]).await?;
        if admitted.is_err() {
            super::alerts::rate_limited(purpose, ip);
        }
        Ok(admitted)
    }

    /// Tries against one thing of the caller's naming (a client's message link), at most `limit`
    /// in `window_secs`.
    pub async fn admit_scope(
        &self,
        scope: &str,
        limit: i64,
        window_secs: i64,
    ) -> Result<Result<Admitted, i64>, sqlx::Error> {
        self.admit_scopes(&[Scope { text: scope.to_string(), limit, window_secs }]).await
    }

    /// The stored form of a scope: a keyed hash, so the table names no email or IP address.
    fn key_of(&self, scope: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.master_key.derive("login_attempts.scope"))
            .expect("HMAC takes any key length");
        mac.update(scope.as_bytes());
        mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    async fn admit_scopes(&self, scopes: &[Scope]) -> Result<Result<Admitted, i64>, sqlx::Error> {
        let now = self.clock.now();
        let keys: Vec<String> = scopes.iter().map(|scope| self.key_of(&scope.text)).collect();
        let mut rows = Vec::with_capacity(scopes.len());
        for key in &keys {
            let id: i64 = sqlx::query_scalar("INSERT INTO login_attempts (scope, at) VALUES ($1, $2) RETURNING id")
                .bind(key)
                .bind(now)
                .fetch_one(&self.db)
                .await?;
            rows.push(id);
        }
        let mut wait = None;
        for ((scope, key), id) in scopes.iter().zip(&keys).zip(&rows) {
            // Only attempts that came before this one: in a parallel burst, exactly the first
            // `limit` get through, however the requests interleave.
            let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE scope = $1 AND at > $2 AND id <= $3",
            )
            .bind(key)
            .bind(now - scope.window_secs)
            .bind(id)
            .fetch_one(&self.db)
            .await?;
            if count > scope.limit {
                let until = oldest.unwrap_or(now) + scope.window_secs;
                wait = Some(wait.unwrap_or(0).max(until - now).max(1));
            }
        }
        let admitted = Admitted { rows };
        match wait {
            Some(seconds) => {
                self.forgive(admitted).await?;
                Ok(Err(seconds))
            }
            None => Ok(Ok(admitted)),
        }
    }

    /// Takes an attempt back: it succeeded, so it does not count.
    pub async fn forgive(&self, admitted: Admitted) -> Result<(), sqlx::Error> {
        for id in &admitted.rows {
            sqlx::query("DELETE FROM login_attempts WHERE id = $1").bind(id).execute(&self.db).await?;
        }
        Ok(())
    }

    /// A completed sign-in (or a confirmed password in a session): the account's earlier failures
    /// from this source, and toward its ceiling, are forgiven. Not at the password step while a
    /// code is still due: a password alone proves too little to wipe the slate.
    pub async fn clear_failures(&self, attempt: &PasswordAttempt<'_>) -> Result<(), sqlx::Error> {
        for scope in attempt.cleared_by_success(&self.policy) {
            sqlx::query("DELETE FROM login_attempts WHERE scope = $1")
                .bind(self.key_of(&scope.text))
                .execute(&self.db)
                .await?;
        }
        Ok(())
    }

    /// The stored form of a scope's text (e.g. `net:198.51.100.7`): finds its rows.
    pub fn stored_scope(&self, text: &str) -> String {
        self.key_of(text)
    }

    /// Forgets attempts older than the longest window.
    pub async fn purge(&self) -> Result<u64, sqlx::Error> {
        let result = sqlx::query("DELETE FROM login_attempts WHERE at <= $1")
            .bind(self.clock.now() - self.policy.window_secs.max(DAY_SECS))
            .execute(&self.db)
            .await?;
        Ok(result.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        crate::server::config::SessionPolicy::default().login_throttle
    }

    #[test]
    fn an_unknown_browser_counts_per_account_and_network_per_account_and_per_network() {
        let ip: IpAddr = "198.51.100.7".parse().unwrap();
        let attempt = PasswordAttempt { email: "kari@example.no", source: Source::Network(ip) };
        let scopes: Vec<(String, i64, i64)> =
            attempt.scopes(&policy()).into_iter().map(|s| (s.text, s.limit, s.window_secs)).collect();
        assert_eq!(
            scopes,
            [
                ("password:kari@example.no|net:198.51.100.7".to_string(), 5, 900),
                ("password:kari@example.no".to_string(), 100, 86_400),
                ("net:198.51.100.7".to_string(), 30, 900),
            ]
        );
        let cleared: Vec<String> = attempt.cleared_by_success(&policy()).into_iter().map(|s| s.text).collect();
        assert_eq!(cleared, ["password:kari@example.no|net:198.51.100.7", "password:kari@example.no"]);
    }

    #[test]
    fn a_known_browser_or_a_session_counts_only_against_itself() {
        for (source, suffix) in [(Source::KnownDevice(4), "device:4"), (Source::Session(9), "session:9")] {
            let attempt = PasswordAttempt { email: "kari@example.no", source };
            let scopes: Vec<String> = attempt.scopes(&policy()).into_iter().map(|s| s.text).collect();
            assert_eq!(scopes, [format!("password:kari@example.no|{suffix}")]);
        }
    }
}
