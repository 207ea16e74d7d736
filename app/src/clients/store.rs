//! SQL for clients. Every statement is scoped to one practice: a client id alone never reaches
//! a row. A client's name and contact details are one sealed value (`profile_sealed`); the
//! database can neither search nor sort them, so the practice's clients are opened into
//! [`super::directory`], which reads here only the clients changed since it last looked.

use sqlx::AnyConnection;

use super::types::{DeletionCause, DeletionCounts};
use crate::ids::{ClientId, PracticeId};
use crate::server::db::{Backend, Db};

/// How the practice's client list has changed: every change of a client raises `revision`,
/// every deletion also `deletions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Revision {
    pub revision: i64,
    pub deletions: i64,
}

pub async fn revision_of(conn: &mut AnyConnection, practice_id: PracticeId) -> Result<Revision, sqlx::Error> {
    let row: Option<Revision> =
        sqlx::query_as("SELECT revision, deletions FROM client_revisions WHERE practice_id = $1")
            .bind(practice_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.unwrap_or_default())
}

/// Counts a change of the practice's client list, in the caller's transaction (which holds the
/// row until it commits, so revisions are committed in order); the new revision.
async fn next_revision(conn: &mut AnyConnection, practice_id: PracticeId, deletion: bool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO client_revisions (practice_id, revision, deletions) VALUES ($1, 1, $2)
         ON CONFLICT (practice_id) DO UPDATE
         SET revision = client_revisions.revision + 1, deletions = client_revisions.deletions + $2
         RETURNING revision",
    )
    .bind(practice_id)
    .bind(i64::from(deletion))
    .fetch_one(conn)
    .await
}

/// A client's sealed profile, as the directory reads it.
#[derive(sqlx::FromRow)]
pub struct SealedProfile {
    pub id: ClientId,
    pub profile_sealed: Option<Vec<u8>>,
}

/// The practice's clients changed after `since` (all of them for `-1`).
pub async fn profiles_since(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    since: i64,
) -> Result<Vec<SealedProfile>, sqlx::Error> {
    sqlx::query_as("SELECT id, profile_sealed FROM clients WHERE practice_id = $1 AND revision > $2")
        .bind(practice_id)
        .bind(since)
        .fetch_all(conn)
        .await
}

/// The ids of the practice's clients.
pub async fn ids_of(conn: &mut AnyConnection, practice_id: PracticeId) -> Result<Vec<ClientId>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1").bind(practice_id).fetch_all(conn).await
}

/// A new client row, still without its sealed values (they are sealed with the client's key,
/// which needs its id): the caller's transaction stores them before it commits.
pub async fn create_in(conn: &mut AnyConnection, practice_id: PracticeId, now: i64) -> Result<ClientId, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO clients (practice_id, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id")
        .bind(practice_id)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// Stores the client's sealed profile and counts the change; `false` when the practice has no
/// such client.
pub async fn set_profile_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    id: ClientId,
    sealed: &[u8],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let revision = next_revision(&mut *conn, practice_id, false).await?;
    let changed = sqlx::query(
        "UPDATE clients SET profile_sealed = $1, revision = $2, updated_at = $3 WHERE id = $4 AND practice_id = $5",
    )
    .bind(sealed)
    .bind(revision)
    .bind(now)
    .bind(id)
    .bind(practice_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// The client's sealed profile; `None` when the practice has no such client.
pub async fn sealed_profile(
    db: &Db,
    practice_id: PracticeId,
    id: ClientId,
) -> Result<Option<Option<Vec<u8>>>, sqlx::Error> {
    sqlx::query_scalar("SELECT profile_sealed FROM clients WHERE id = $1 AND practice_id = $2")
        .bind(id)
        .bind(practice_id)
        .fetch_optional(db)
        .await
}

/// The client's sealed notes; `None` when the practice has no such client, `Some(None)` when
/// it has no notes.
pub async fn sealed_notes(
    db: &Db,
    practice_id: PracticeId,
    id: ClientId,
) -> Result<Option<Option<Vec<u8>>>, sqlx::Error> {
    sqlx::query_scalar("SELECT notes_sealed FROM clients WHERE id = $1 AND practice_id = $2")
        .bind(id)
        .bind(practice_id)
        .fetch_optional(db)
        .await
}

/// Stores the client's sealed notes (`None`: no notes).
pub async fn set_sealed_notes_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    id: ClientId,
    sealed: Option<Vec<u8>>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE clients SET notes_sealed = $1 WHERE id = $2 AND practice_id = $3")
        .bind(sealed)
        .bind(id)
        .bind(practice_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the client's data keys, so that anything sealed with them (its profile, journals,
/// booking details, wherever a copy lies) can no longer be read. The first step of deleting a
/// client.
pub async fn delete_keys(conn: &mut AnyConnection, practice_id: PracticeId, id: ClientId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM client_keys WHERE client_id = $1 AND practice_id = $2")
        .bind(id)
        .bind(practice_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the client with everything that hangs on it (its keys and appointments are gone
/// already) and counts the deletion. `false` when the practice has no such client.
pub async fn delete(conn: &mut AnyConnection, practice_id: PracticeId, id: ClientId) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM clients WHERE id = $1 AND practice_id = $2")
        .bind(id)
        .bind(practice_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if deleted == 1 {
        next_revision(conn, practice_id, true).await?;
    }
    Ok(deleted == 1)
}

/// A new line in the deletion log, in the caller's transaction; its id.
pub async fn log_deletion_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    at: i64,
    cause: DeletionCause,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO deletion_log (practice_id, at, cause) VALUES ($1, $2, $3) RETURNING id")
        .bind(practice_id)
        .bind(at)
        .bind(cause.code())
        .fetch_one(conn)
        .await
}

/// Counts one more deleted client, and what it took, on a line of the deletion log, in the
/// transaction that deleted it.
pub async fn add_to_log_in(conn: &mut AnyConnection, log_id: i64, counts: DeletionCounts) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE deletion_log SET clients = clients + 1, appointments = appointments + $1,
         journal_entries = journal_entries + $2, consents = consents + $3, messages = messages + $4,
         files = files + $5 WHERE id = $6",
    )
    .bind(counts.appointments)
    .bind(counts.journal_entries)
    .bind(counts.consents)
    .bind(counts.messages)
    .bind(counts.files)
    .bind(log_id)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct LogRow {
    pub at: i64,
    pub cause: String,
    pub clients: i64,
    pub appointments: i64,
    pub journal_entries: i64,
    pub consents: i64,
    pub messages: i64,
    pub files: i64,
}

/// The practice's newest deletion log lines.
pub async fn deletion_log(db: &Db, practice_id: PracticeId, limit: i64) -> Result<Vec<LogRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at, cause, clients, appointments, journal_entries, consents, messages, files FROM deletion_log
         WHERE practice_id = $1 AND clients > 0 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(practice_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// When each of the practice's clients was added: the floor of its "last activity".
pub async fn created<'e, E>(
    db: E,
    practice_id: PracticeId,
    client: Option<ClientId>,
) -> Result<Vec<(ClientId, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    const ALL: &str = "SELECT id, created_at FROM clients WHERE practice_id = $1";
    const ONE: &str = "SELECT id, created_at FROM clients WHERE practice_id = $1 AND id = $2";
    crate::server::db::per_client(db, ALL, ONE, practice_id, client).await
}

/// Locks the client's row until the caller's transaction ends (PostgreSQL; SQLite's write
/// transaction holds the whole database already): a booking or a message for the client waits,
/// so what the cleanup job checked stays true until it has deleted the client. `false` when the
/// practice has no such client.
pub async fn lock_in(
    conn: &mut AnyConnection,
    backend: Backend,
    practice_id: PracticeId,
    id: ClientId,
) -> Result<bool, sqlx::Error> {
    let sql = match backend {
        Backend::Postgres => "SELECT id FROM clients WHERE id = $1 AND practice_id = $2 FOR UPDATE",
        Backend::Sqlite => "SELECT id FROM clients WHERE id = $1 AND practice_id = $2",
    };
    let found: Option<ClientId> = sqlx::query_scalar(sql).bind(id).bind(practice_id).fetch_optional(conn).await?;
    Ok(found.is_some())
}

/// How many clients the practice has.
pub async fn count_of_practice(db: &Db, practice_id: PracticeId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE practice_id = $1").bind(practice_id).fetch_one(db).await
}
