//! SQL for the owner's security log.

use super::types::EventKind;
use crate::ids::UserId;
use crate::server::db::Db;

/// One row of the owner's security log.
pub struct NewEvent<'a> {
    pub user_id: UserId,
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

/// How many sign-ins the user has had, from any device (`None`) or from this device key, in the
/// log's current chapter.
pub async fn sign_in_count(db: &Db, user_id: UserId, device: Option<&str>) -> Result<i64, sqlx::Error> {
    let query = match device {
        Some(device) => sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM security_events WHERE user_id = $1 AND kind = $2 AND device = $3",
            " AND id > (SELECT security_log_after FROM users WHERE id = $1)"
        ))
        .bind(user_id)
        .bind(EventKind::SignIn.code())
        .bind(device),
        None => sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM security_events WHERE user_id = $1 AND kind = $2",
            " AND id > (SELECT security_log_after FROM users WHERE id = $1)"
        ))
        .bind(user_id)
        .bind(EventKind::SignIn.code()),
    };
    query.fetch_one(db).await
}

#[derive(sqlx::FromRow)]
pub struct EventRow {
    pub kind: String,
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

pub async fn recent_events(db: &Db, user_id: UserId, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, at, ip, user_agent, detail FROM security_events
         WHERE user_id = $1 AND id > (SELECT security_log_after FROM users WHERE id = $1)
         ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
