//! Server-side sessions. The browser holds a random 256-bit token; the database holds only its
//! SHA-256. Idle timeout (per account) and absolute lifetime are enforced on every lookup.

use sqlx::Row;

use super::clock::Clock;
use super::config::SessionPolicy;
use super::crypto::{new_token, token_hash};
use super::db::Db;

/// The session token as the browser holds it. Not `Debug`: it must never be logged.
pub struct SessionToken(String);

impl SessionToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Who is calling, established from a valid session. Put into the request's extensions by the
/// session middleware; server functions read it from there.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user_id: i64,
    pub practice_id: i64,
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

/// Only this often is `last_seen_at` written: a lookup stays a read on busy pages.
const TOUCH_AFTER_SECS: i64 = 30;

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

    pub fn policy(&self) -> SessionPolicy {
        self.policy
    }

    pub async fn create(&self, user_id: i64, ip: &str, user_agent: &str) -> Result<SessionToken, sqlx::Error> {
        let token = new_token();
        let now = self.clock.now();
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
        Ok(SessionToken(token))
    }

    pub async fn lookup(&self, token: &str) -> Result<Result<CurrentUser, SessionEnd>, sqlx::Error> {
        let hash = token_hash(token);
        let row = sqlx::query(
            "SELECT s.user_id, s.created_at, s.last_seen_at, u.idle_timeout_secs,
                    u.practice_id, u.email, u.name, p.name, s.id, s.password_confirmed_at, u.role
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             JOIN practices p ON p.id = u.practice_id
             WHERE s.token_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else { return Ok(Err(SessionEnd::Unknown)) };
        let now = self.clock.now();
        let created_at: i64 = row.get(1);
        let last_seen_at: i64 = row.get(2);
        let idle_timeout: i64 = row.get(3);
        let end = if now - created_at >= self.policy.absolute_lifetime_secs {
            Some(SessionEnd::Expired)
        } else if now - last_seen_at >= idle_timeout {
            Some(SessionEnd::Idle)
        } else {
            None
        };
        let session_id: i64 = row.get(8);
        if let Some(end) = end {
            self.delete(session_id).await?;
            return Ok(Err(end));
        }
        if now - last_seen_at >= TOUCH_AFTER_SECS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(session_id)
                .execute(&self.db)
                .await?;
        }
        Ok(Ok(CurrentUser {
            user_id: row.get(0),
            practice_id: row.get(4),
            email: row.get(5),
            name: row.get(6),
            practice_name: row.get(7),
            session_id,
            password_confirmed_at: row.get(9),
            idle_timeout_secs: idle_timeout,
            role: Role::from_code(&row.get::<String, _>(10)),
        }))
    }

    pub async fn delete(&self, session_id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(session_id).execute(&self.db).await?;
        Ok(())
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Cookie name and attributes. Over HTTPS the `__Host-` prefix and `Secure`; plain
/// `http://127.0.0.1` (development, tests) cannot set `Secure` cookies, so it goes without.
#[derive(Clone, Copy)]
pub struct SessionCookie {
    pub https: bool,
    pub max_age_secs: i64,
}

impl SessionCookie {
    pub fn name(&self) -> &'static str {
        if self.https { "__Host-trygg_session" } else { "trygg_session" }
    }

    pub fn set(&self, token: &SessionToken) -> String {
        format!("{}={}; {}; Max-Age={}", self.name(), token.expose(), self.attributes(), self.max_age_secs)
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
        let token = SessionToken("abc".into());
        let plain = SessionCookie { https: false, max_age_secs: 60 };
        assert_eq!(plain.set(&token), "trygg_session=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=60");
        let secure = SessionCookie { https: true, max_age_secs: 60 };
        assert_eq!(secure.set(&token), "__Host-trygg_session=abc; HttpOnly; SameSite=Lax; Path=/; Secure; Max-Age=60");
        assert!(secure.clear().contains("Max-Age=0"));
    }

    #[test]
    fn reads_the_right_cookie() {
        let cookie = SessionCookie { https: false, max_age_secs: 60 };
        assert_eq!(cookie.read("a=1; trygg_session=tok; b=2"), Some("tok"));
        assert_eq!(cookie.read("xtrygg_session=tok"), None);
        assert_eq!(cookie.read("trygg_session="), None);
        assert_eq!(read_cookie("lang=nb", "lang"), Some("nb"));
    }
}
