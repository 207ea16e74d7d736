//! Login throttling: failed attempts are counted per account (by the email typed, whether or not
//! such an account exists) and per client IP, in a sliding window.

use super::clock::Clock;
use super::config::ThrottlePolicy;
use super::db::Db;

#[derive(Clone)]
pub struct LoginThrottle {
    db: Db,
    clock: Clock,
    policy: ThrottlePolicy,
}

/// The scopes one attempt counts against.
pub struct Attempt<'a> {
    pub email: &'a str,
    pub ip: &'a str,
}

impl Attempt<'_> {
    fn account_scope(&self) -> String {
        format!("account:{}", self.email)
    }

    /// Each scope with its limit.
    fn scopes(&self, policy: &ThrottlePolicy) -> [(String, i64); 2] {
        [
            (self.account_scope(), policy.max_failures_per_account),
            (format!("ip:{}", self.ip), policy.max_failures_per_ip),
        ]
    }
}

impl LoginThrottle {
    pub fn new(db: Db, clock: Clock, policy: ThrottlePolicy) -> Self {
        Self { db, clock, policy }
    }

    /// `Some(seconds)` to wait when either scope has used up its attempts.
    pub async fn retry_after(&self, attempt: &Attempt<'_>) -> Result<Option<i64>, sqlx::Error> {
        let now = self.clock.now();
        let since = now - self.policy.window_secs;
        let mut wait = None;
        for (scope, limit) in attempt.scopes(&self.policy) {
            let (count, oldest): (i64, Option<i64>) =
                sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE scope = $1 AND at > $2")
                    .bind(&scope)
                    .bind(since)
                    .fetch_one(&self.db)
                    .await?;
            if count >= limit {
                let until = oldest.unwrap_or(now) + self.policy.window_secs;
                wait = Some(wait.unwrap_or(0).max(until - now).max(1));
            }
        }
        Ok(wait)
    }

    pub async fn record_failure(&self, attempt: &Attempt<'_>) -> Result<(), sqlx::Error> {
        let now = self.clock.now();
        for (scope, _) in attempt.scopes(&self.policy) {
            sqlx::query("INSERT INTO login_failures (scope, at) VALUES ($1, $2)")
                .bind(scope)
                .bind(now)
                .execute(&self.db)
                .await?;
        }
        sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(now - self.policy.window_secs)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// A successful login forgives the account's failures (not the IP's).
    pub async fn record_success(&self, attempt: &Attempt<'_>) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE scope = $1")
            .bind(attempt.account_scope())
            .execute(&self.db)
            .await?;
        Ok(())
    }
}
