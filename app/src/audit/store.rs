//! SQL for the practice's audit log.

use sqlx::Row;

use super::types::{AuditAction, AuditEvent};
use crate::calendar::time::moment_text;
use crate::server::db::Db;
use crate::server::sessions::CurrentUser;

/// Records that `user` did `action` to a client (and one of its records).
pub async fn record<'e, E>(
    db: E,
    user: &CurrentUser,
    at: i64,
    action: AuditAction,
    client_id: Option<i64>,
    record_id: Option<i64>,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO practice_audit (practice_id, at, actor_id, actor_name, action, client_id, record_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.practice_id)
    .bind(at)
    .bind(user.user_id)
    .bind(&user.name)
    .bind(action.code())
    .bind(client_id)
    .bind(record_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The newest events about one client of the practice.
pub async fn for_client(
    db: &Db,
    zone: chrono_tz::Tz,
    practice_id: i64,
    client_id: i64,
    limit: i64,
) -> Result<Vec<AuditEvent>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, actor_name, action FROM practice_audit
         WHERE practice_id = $1 AND client_id = $2 ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(practice_id)
    .bind(client_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let action = AuditAction::from_code(row.get::<String, _>(2).as_str())?;
            Some(AuditEvent { when: moment_text(zone, row.get(0)), actor: row.get(1), action })
        })
        .collect())
}
