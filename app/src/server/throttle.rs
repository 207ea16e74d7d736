//! Throttling: login attempts are counted per account (by the email typed, whether or not such an
//! account exists) and per client network, sign-ups per client network, in a sliding window.
//!
//! An attempt is written *before* the password is checked, and counts the attempts up to and
//! including itself, so a burst of parallel guesses cannot slip past the check: the k-th attempt
//! always sees k. A successful login takes its attempt back.

use std::net::IpAddr;

use super::clock::Clock;
use super::config::ThrottlePolicy;
use super::db::Db;

#[derive(Clone)]
pub struct LoginThrottle {
    db: Db,
    clock: Clock,
    policy: ThrottlePolicy,
}

/// What one attempt counts against.
pub struct Attempt<'a> {
    pub email: &'a str,
    pub ip: IpAddr,
}

/// An attempt that was allowed to proceed; the ids of its rows, to forgive it on success.
pub struct Admitted {
    rows: Vec<i64>,
}

impl Attempt<'_> {
    fn account_scope(&self) -> String {
        format!("account:{}", self.email)
    }

    /// Each scope with its limit.
    fn scopes(&self, policy: &ThrottlePolicy) -> [(String, i64); 2] {
        [
            (self.account_scope(), policy.max_failures_per_account),
            (format!("net:{}", network_of(self.ip)), policy.max_failures_per_ip),
        ]
    }
}

/// The address an attacker cannot cheaply change: the IPv4 address, or the IPv6 /64 (one
/// customer line commonly owns a whole /64).
pub fn network_of(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

impl LoginThrottle {
    pub fn new(db: Db, clock: Clock, policy: ThrottlePolicy) -> Self {
        Self { db, clock, policy }
    }

    /// Records the login attempt, then counts. `Err(seconds to wait)` when a scope is over its
    /// limit; a refused attempt is not counted (waiting out the window is enough).
    pub async fn admit(&self, attempt: &Attempt<'_>) -> Result<Result<Admitted, i64>, sqlx::Error> {
        self.admit_scopes(&attempt.scopes(&self.policy)).await
    }

    /// Requests that send mail to an address the caller types (sign-up, forgotten password), per
    /// client network and purpose: a flood of them would burn CPU and fill strangers' inboxes.
    pub async fn admit_mail_request(&self, purpose: &str, ip: IpAddr) -> Result<Result<Admitted, i64>, sqlx::Error> {
        self.admit_scopes(&[(format!("{purpose}:{}", network_of(ip)), self.policy.max_mail_requests_per_ip)]).await
    }

    async fn admit_scopes(&self, scopes: &[(String, i64)]) -> Result<Result<Admitted, i64>, sqlx::Error> {
        let now = self.clock.now();
        let since = now - self.policy.window_secs;
        let mut rows = Vec::with_capacity(scopes.len());
        for (scope, _) in scopes {
            let id: i64 = sqlx::query_scalar("INSERT INTO login_attempts (scope, at) VALUES ($1, $2) RETURNING id")
                .bind(scope)
                .bind(now)
                .fetch_one(&self.db)
                .await?;
            rows.push(id);
        }
        let mut wait = None;
        for ((scope, limit), id) in scopes.iter().zip(&rows) {
            // Only attempts that came before this one: in a parallel burst, exactly the first
            // `limit` get through, however the requests interleave.
            let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE scope = $1 AND at > $2 AND id <= $3",
            )
            .bind(scope)
            .bind(since)
            .bind(id)
            .fetch_one(&self.db)
            .await?;
            if count > *limit {
                let until = oldest.unwrap_or(now) + self.policy.window_secs;
                wait = Some(wait.unwrap_or(0).max(until - now).max(1));
            }
        }
        let admitted = Admitted { rows };
        match wait {
            Some(seconds) => {
                self.forgive(&admitted).await?;
                Ok(Err(seconds))
            }
            None => Ok(Ok(admitted)),
        }
    }

    /// A successful login: this attempt does not count, and the account's earlier failures are
    /// forgiven (the network's are not).
    pub async fn succeeded(&self, attempt: &Attempt<'_>, admitted: Admitted) -> Result<(), sqlx::Error> {
        self.forgive(&admitted).await?;
        sqlx::query("DELETE FROM login_attempts WHERE scope = $1")
            .bind(attempt.account_scope())
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn forgive(&self, admitted: &Admitted) -> Result<(), sqlx::Error> {
        for id in &admitted.rows {
            sqlx::query("DELETE FROM login_attempts WHERE id = $1").bind(id).execute(&self.db).await?;
        }
        Ok(())
    }

    /// Forgets attempts older than the window.
    pub async fn purge(&self) -> Result<u64, sqlx::Error> {
        let result = sqlx::query("DELETE FROM login_attempts WHERE at <= $1")
            .bind(self.clock.now() - self.policy.window_secs)
            .execute(&self.db)
            .await?;
        Ok(result.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network_of(a), network_of(b));
        assert_ne!(network_of(a), network_of(other));
        assert_eq!(network_of(a), "2001:db8:1:2::/64");
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let mapped: IpAddr = "::ffff:198.51.100.7".parse().unwrap();
        assert_eq!(network_of(mapped), "198.51.100.7");
    }
}
