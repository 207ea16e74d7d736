//! SQL for the practice's audit log.

use super::types::{AuditAction, AuditEvent};
use crate::ids::{ClientId, PracticeId, UserId};
use crate::local_time::moment_text;
use crate::server::db::Db;
use crate::server::sessions::CurrentUser;

/// Records that `user` did `action` to a client (and one of its records).
pub async fn record<'e, E>(
    db: E,
    user: &CurrentUser,
    at: i64,
    action: AuditAction,
    client_id: Option<ClientId>,
    record_id: Option<i64>,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    insert(db, user.practice_id, at, Some((user.user_id, &user.name)), action, client_id, record_id).await
}

/// Records that the client did `action` to their own data, through a link or the booking page.
/// No name is kept for them: the client id says who.
pub async fn record_by_client<'e, E>(
    db: E,
    practice_id: PracticeId,
    at: i64,
    action: AuditAction,
    client_id: ClientId,
    record_id: Option<i64>,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    insert(db, practice_id, at, None, action, Some(client_id), record_id).await
}

/// Records that someone outside the practice (a support person) did `action` about its client.
pub async fn record_as<'e, E>(
    db: E,
    practice_id: PracticeId,
    actor: (UserId, &str),
    at: i64,
    action: AuditAction,
    client_id: ClientId,
    record_id: Option<i64>,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    insert(db, practice_id, at, Some(actor), action, Some(client_id), record_id).await
}

async fn insert<'e, E>(
    db: E,
    practice_id: PracticeId,
    at: i64,
    actor: Option<(UserId, &str)>,
    action: AuditAction,
    client_id: Option<ClientId>,
    record_id: Option<i64>,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO practice_audit (practice_id, at, actor_id, actor_name, action, client_id, record_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(practice_id)
    .bind(at)
    .bind(actor.map(|(id, _)| id))
    .bind(actor.map_or("", |(_, name)| name))
    .bind(action.code())
    .bind(client_id)
    .bind(record_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Unlinks the client from every event that named it, in the caller's transaction: the events stay
/// in the log, but no longer say whose data it was, nor which of its records (a conversation's id,
/// one per client, would still tie its events together). Part of deleting a client.
pub async fn unlink_client(
    conn: &mut sqlx::AnyConnection,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE practice_audit SET client_id = NULL, record_id = NULL WHERE practice_id = $1 AND client_id = $2",
    )
    .bind(practice_id)
    .bind(client_id)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: i64,
    actor_id: Option<UserId>,
    actor_name: String,
    action: String,
}

/// The newest events about one client of the practice.
pub async fn for_client(
    db: &Db,
    zone: chrono_tz::Tz,
    practice_id: PracticeId,
    client_id: ClientId,
    limit: i64,
) -> Result<Vec<AuditEvent>, sqlx::Error> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT at, actor_id, actor_name, action FROM practice_audit
         WHERE practice_id = $1 AND client_id = $2 ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(practice_id)
    .bind(client_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let action = AuditAction::from_code(&row.action)?;
            let actor = row.actor_id.map(|_| row.actor_name);
            Some(AuditEvent { when: moment_text(zone, row.at), actor, action })
        })
        .collect())
}
