//! Server-side sessions. The browser holds a random 256-bit token; the database holds only its
//! SHA-256. Idle timeout (per account) and absolute lifetime are enforced on every lookup. This is
//! the one place that reads and writes the `sessions` table.

use sqlx::AnyConnection;

use super::clock::Clock;
use super::config::SessionPolicy;
use super::crypto::{new_token, token_hash};
use super::db::Db;
use crate::ids::{PracticeId, UserId};

/// The session token as the browser holds it, and how long its cookie may outlive the browser.
/// Not `Debug`: it must never be logged.
pub struct SessionToken {
    token: String,
    /// `None`: a cookie that dies with the browser (the idle limit is under a day).
    cookie_max_age_secs: Option<i64>,
}

impl SessionToken {
    pub fn expose(&self) -> &str {
        &self.token
    }
}

/// The idle and absolute limits of one account's sessions. Support staff reach every account's
/// evidence, so theirs end within 15 minutes idle and 12 hours in all, whatever the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

pub const SUPPORT_IDLE_MAX_SECS: i64 = 15 * 60;
pub const SUPPORT_ABSOLUTE_MAX_SECS: i64 = 12 * 3600;
const DAY_SECS: i64 = 24 * 3600;

impl SessionLimits {
    pub fn of(role: Role, idle_timeout_secs: i64, policy: &SessionPolicy) -> Self {
        let limits = Self { idle_secs: idle_timeout_secs, absolute_secs: policy.absolute_lifetime_secs };
        match role {
            Role::Practitioner => limits,
            Role::Support => Self {
                idle_secs: limits.idle_secs.min(SUPPORT_IDLE_MAX_SECS),
                absolute_secs: limits.absolute_secs.min(SUPPORT_ABSOLUTE_MAX_SECS),
            },
        }
    }

    /// A session that ends after less than a day idle is not kept past the browser's life.
    fn cookie_max_age_secs(&self) -> Option<i64> {
        (self.idle_secs >= DAY_SECS).then_some(self.absolute_secs)
    }
}

/// Who is calling, established from a valid session. Put into the request's extensions by the
/// session middleware; server functions read it from there.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user_id: UserId,
    pub practice_id: PracticeId,
    pub email: String,
    pub name: String,
    pub practice_name: String,
    /// This session's row: identifies "this device" without holding the token.
    pub session_id: i64,
    /// When this session last proved the password (at login, or when asked again).
    pub password_confirmed_at: i64,
    pub idle_timeout_secs: i64,
    pub role: Role,
}

/// What an account is for. Support staff reach only `/support`; practitioners never reach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Practitioner,
    Support,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Self::Practitioner => "practitioner",
            Self::Support => "support",
        }
    }

    /// Anything unknown is the least privileged role.
    pub fn from_code(code: &str) -> Self {
        if code == "support" { Self::Support } else { Self::Practitioner }
    }
}

/// Why a presented cookie did not give a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    Unknown,
    Idle,
    Expired,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    session_id: i64,
    user_id: UserId,
    created_at: i64,
    last_seen_at: i64,
    password_confirmed_at: i64,
    idle_timeout_secs: i64,
    practice_id: PracticeId,
    email: String,
    name: String,
    practice_name: String,
    role: String,
}

/// Only this often is `last_seen_at` written: a lookup stays a read on busy pages.
const TOUCH_AFTER_SECS: i64 = 30;
/// How long a page waits to write "last seen" while another write holds SQLite's lock (a long
/// cleanup run): the write is then left to a later request, well within any idle limit.
const TOUCH_WAIT_MS: u64 = 20;

#[derive(Clone)]
pub struct SessionStore {
    db: Db,
    clock: Clock,
    policy: SessionPolicy,
}

impl SessionStore {
    pub fn new(db: Db, clock: Clock, policy: SessionPolicy) -> Self {
        Self { db, clock, policy }
    }

    /// Deletes the sessions past their idle or absolute limit (support's shorter ones included).
    pub async fn purge_expired(&self) -> Result<u64, sqlx::Error> {
        let now = self.clock.now();
        let deleted = sqlx::query(
            "DELETE FROM sessions WHERE created_at <= $1
                OR last_seen_at <= $2 - (SELECT idle_timeout_secs FROM users WHERE users.id = sessions.user_id)
                OR ((created_at <= $3 OR last_seen_at <= $4)
                    AND user_id IN (SELECT id FROM users WHERE role = 'support'))",
        )
        .bind(now - self.policy.absolute_lifetime_secs)
        .bind(now)
        .bind(now - SUPPORT_ABSOLUTE_MAX_SECS)
        .bind(now - SUPPORT_IDLE_MAX_SECS)
        .execute(&self.db)
        .await?;
        Ok(deleted.rows_affected())
    }

    pub async fn create(&self, user_id: UserId, ip: &str, user_agent: &str) -> Result<SessionToken, sqlx::Error> {
        let token = new_token();
        let now = self.clock.now();
        let (idle_timeout_secs, role): (i64, String) =
            sqlx::query_as("SELECT idle_timeout_secs, role FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(&self.db)
                .await?;
        let limits = SessionLimits::of(Role::from_code(&role), idle_timeout_secs, &self.policy);
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent, password_confirmed_at)
             VALUES ($1, $2, $3, $3, $4, $5, $3)",
        )
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(ip)
        .bind(truncate(user_agent, 512))
        .execute(&self.db)
        .await?;
        Ok(SessionToken { token, cookie_max_age_secs: limits.cookie_max_age_secs() })
    }

    pub async fn lookup(&self, token: &str) -> Result<Result<CurrentUser, SessionEnd>, sqlx::Error> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT s.id AS session_id, s.user_id, s.created_at, s.last_seen_at, s.password_confirmed_at,
                    u.idle_timeout_secs, u.practice_id, u.email, u.name, p.name AS practice_name, u.role
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             JOIN practices p ON p.id = u.practice_id
             WHERE s.token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else { return Ok(Err(SessionEnd::Unknown)) };
        let role = Role::from_code(&row.role);
        let limits = SessionLimits::of(role, row.idle_timeout_secs, &self.policy);
        let now = self.clock.now();
        let end = if now - row.created_at >= limits.absolute_secs {
            Some(SessionEnd::Expired)
        } else if now - row.last_seen_at >= limits.idle_secs {
            Some(SessionEnd::Idle)
        } else {
            None
        };
        if let Some(end) = end {
            self.delete(row.session_id).await?;
            return Ok(Err(end));
        }
        if now - row.last_seen_at >= TOUCH_AFTER_SECS {
            let session_id = row.session_id;
            let touched = super::db::write_unless_busy(&self.db, TOUCH_WAIT_MS, move |conn| {
                Box::pin(async move {
                    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(session_id)
                        .execute(conn)
                        .await
                        .map(|_| ())
                })
            })
            .await?;
            if !touched {
                tracing::debug!("the database was busy writing: last seen is written on a later request");
            }
        }
        Ok(Ok(CurrentUser {
            user_id: row.user_id,
            practice_id: row.practice_id,
            email: row.email,
            name: row.name,
            practice_name: row.practice_name,
            session_id: row.session_id,
            password_confirmed_at: row.password_confirmed_at,
            idle_timeout_secs: limits.idle_secs,
            role,
        }))
    }

    pub async fn delete(&self, session_id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(session_id).execute(&self.db).await?;
        Ok(())
    }

    /// The account's sessions, last used first.
    pub async fn of_user(&self, user_id: UserId) -> Result<Vec<UserSession>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions WHERE user_id = $1
             ORDER BY last_seen_at DESC",
        )
        .bind(user_id)
        .fetch_all(&self.db)
        .await
    }

    /// Deletes one of the account's sessions. `false` when it is not theirs or already gone: the
    /// `user_id` condition is what keeps one owner away from another's sessions.
    pub async fn delete_of_user(&self, user_id: UserId, session_id: i64) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(session_id)
            .bind(user_id)
            .execute(&self.db)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Deletes every session of the account but `keep`; how many there were.
    pub async fn delete_others_of_user(&self, user_id: UserId, keep: i64) -> Result<u64, sqlx::Error> {
        let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&self.db)
            .await?;
        Ok(result.rows_affected())
    }

    pub async fn mark_password_confirmed(&self, session_id: i64, at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET password_confirmed_at = $1 WHERE id = $2")
            .bind(at)
            .bind(session_id)
            .execute(&self.db)
            .await?;
        Ok(())
    }
}

/// One of an account's sessions, as its owner sees it.
#[derive(sqlx::FromRow)]
pub struct UserSession {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// Ends every session of the account, in the caller's transaction.
pub async fn delete_all_of_in(conn: &mut AnyConnection, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Cookie name and attributes. Over HTTPS the `__Host-` prefix and `Secure`; plain
/// `http://127.0.0.1` (development, tests) cannot set `Secure` cookies, so it goes without.
#[derive(Clone, Copy)]
pub struct SessionCookie {
    pub https: bool,
}

impl SessionCookie {
    pub fn name(&self) -> &'static str {
        if self.https { "__Host-trygg_session" } else { "trygg_session" }
    }

    pub fn set(&self, token: &SessionToken) -> String {
        let cookie = format!("{}={}; {}", self.name(), token.expose(), self.attributes());
        match token.cookie_max_age_secs {
            Some(secs) => format!("{cookie}; Max-Age={secs}"),
            None => cookie,
        }
    }

    pub fn clear(&self) -> String {
        format!("{}=; {}; Max-Age=0", self.name(), self.attributes())
    }

    fn attributes(&self) -> &'static str {
        if self.https { "HttpOnly; SameSite=Lax; Path=/; Secure" } else { "HttpOnly; SameSite=Lax; Path=/" }
    }

    /// The session token from a `Cookie` request header, if present.
    pub fn read<'a>(&self, cookie_header: &'a str) -> Option<&'a str> {
        read_cookie(cookie_header, self.name())
    }
}

/// Marks a browser that completed a sign-in to an account (two-factor included): failed passwords
/// from other networks do not block it. It grants nothing else. Only sent to our own pages.
#[derive(Clone, Copy)]
pub struct DeviceCookie {
    pub https: bool,
}

impl DeviceCookie {
    pub fn name(&self) -> &'static str {
        if self.https { "__Host-trygg_device" } else { "trygg_device" }
    }

    pub fn set(&self, token: &str, max_age_secs: i64) -> String {
        let secure = if self.https { "; Secure" } else { "" };
        format!("{}={token}; HttpOnly; SameSite=Strict; Path=/{secure}; Max-Age={max_age_secs}", self.name())
    }
}

pub fn read_cookie<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes_over_http_and_https() {
        let token = SessionToken { token: "abc".into(), cookie_max_age_secs: Some(60) };
        let plain = SessionCookie { https: false };
        assert_eq!(plain.set(&token), "trygg_session=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=60");
        let secure = SessionCookie { https: true };
        assert_eq!(secure.set(&token), "__Host-trygg_session=abc; HttpOnly; SameSite=Lax; Path=/; Secure; Max-Age=60");
        assert!(secure.clear().contains("Max-Age=0"));
    }

    #[test]
    fn a_session_shorter_than_a_day_idle_dies_with_the_browser() {
        let policy = SessionPolicy::default();
        let day = SessionLimits::of(Role::Practitioner, 24 * 3600, &policy);
        assert_eq!(day, SessionLimits { idle_secs: 86_400, absolute_secs: 7 * 86_400 });
        assert_eq!(day.cookie_max_age_secs(), Some(7 * 86_400));
        let short = SessionLimits::of(Role::Practitioner, 8 * 3600, &policy);
        assert_eq!(short.cookie_max_age_secs(), None);
        let token = SessionToken { token: "abc".into(), cookie_max_age_secs: short.cookie_max_age_secs() };
        assert!(!SessionCookie { https: true }.set(&token).contains("Max-Age"));
    }

    #[test]
    fn support_sessions_are_short_whatever_the_settings() {
        let policy = SessionPolicy { absolute_lifetime_secs: 30 * 86_400, ..SessionPolicy::default() };
        let support = SessionLimits::of(Role::Support, 24 * 3600, &policy);
        assert_eq!(support, SessionLimits { idle_secs: 15 * 60, absolute_secs: 12 * 3600 });
        assert_eq!(support.cookie_max_age_secs(), None);
        assert_eq!(SessionLimits::of(Role::Support, 5 * 60, &policy).idle_secs, 5 * 60);
    }

    #[test]
    fn reads_the_right_cookie() {
        let cookie = SessionCookie { https: false };
        assert_eq!(cookie.read("a=1; trygg_session=tok; b=2"), Some("tok"));
        assert_eq!(cookie.read("xtrygg_session=tok"), None);
        assert_eq!(cookie.read("trygg_session="), None);
        assert_eq!(read_cookie("lang=nb", "lang"), Some("nb"));
    }
}
