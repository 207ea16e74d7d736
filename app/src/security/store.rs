//! SQL for sessions as the owner sees them, and the security log.

use sqlx::Row;

use super::types::EventKind;
use crate::server::db::Db;

pub struct SessionRow {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
}

pub async fn sessions_of(db: &Db, user_id: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionRow {
            id: r.get(0),
            created_at: r.get(1),
            last_seen_at: r.get(2),
            ip: r.get(3),
            user_agent: r.get(4),
        })
        .collect())
}

/// Deletes one of the user's sessions. `false` when it is not theirs or already gone: the
/// `user_id` condition is what keeps one owner away from another's sessions.
pub async fn delete_session_of(db: &Db, user_id: i64, session_id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(session_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete_sessions_except(db: &Db, user_id: i64, keep: i64) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

/// One row of the owner's security log.
pub struct NewEvent<'a> {
    pub user_id: i64,
    pub kind: EventKind,
    pub at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub device: &'a str,
    /// Who acted, when not the owner (a support person's name); otherwise empty.
    pub detail: &'a str,
}

pub async fn insert_event(db: &Db, event: NewEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO security_events (user_id, kind, at, ip, user_agent, device, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.user_id)
    .bind(event.kind.code())
    .bind(event.at)
    .bind(event.ip)
    .bind(event.user_agent.chars().take(512).collect::<String>())
    .bind(event.device)
    .bind(event.detail)
    .execute(db)
    .await?;
    Ok(())
}

/// How many sign-ins the user has had, from any device (`None`) or from this device key.
pub async fn sign_in_count(db: &Db, user_id: i64, device: Option<&str>) -> Result<i64, sqlx::Error> {
    let query = match device {
        Some(device) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM security_events WHERE user_id = $1 AND kind = $2 AND device = $3")
                .bind(user_id)
                .bind(EventKind::SignIn.code())
                .bind(device)
        }
        None => sqlx::query_scalar("SELECT COUNT(*) FROM security_events WHERE user_id = $1 AND kind = $2")
            .bind(user_id)
            .bind(EventKind::SignIn.code()),
    };
    query.fetch_one(db).await
}

pub struct EventRow {
    pub kind: String,
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

pub async fn recent_events(db: &Db, user_id: i64, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kind, at, ip, user_agent, detail FROM security_events
         WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| EventRow { kind: r.get(0), at: r.get(1), ip: r.get(2), user_agent: r.get(3), detail: r.get(4) })
        .collect())
}

pub async fn idle_timeout_secs(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT idle_timeout_secs FROM users WHERE id = $1").bind(user_id).fetch_one(db).await
}

pub async fn set_idle_timeout_secs(db: &Db, user_id: i64, secs: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET idle_timeout_secs = $1 WHERE id = $2").bind(secs).bind(user_id).execute(db).await?;
    Ok(())
}

pub async fn password_hash(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_one(db).await
}

pub async fn mark_password_confirmed(db: &Db, session_id: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET password_confirmed_at = $1 WHERE id = $2")
        .bind(at)
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_password_hash(db: &Db, user_id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(db).await?;
    Ok(())
}
