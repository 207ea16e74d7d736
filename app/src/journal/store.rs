//! SQL for journals. Every statement names the practice and the client: an entry id alone
//! never reaches a row. Titles and texts arrive here sealed and leave sealed.

use sqlx::{AnyConnection, Row};

use crate::ids::{ClientId, PracticeId, UserId};
use crate::server::db::Db;

/// One version of an entry, still sealed.
pub struct VersionRow {
    pub entry_id: i64,
    pub version: i64,
    pub date: String,
    pub title: Vec<u8>,
    pub body: Vec<u8>,
    pub author: String,
    pub written_at: i64,
}

/// A version about to be written.
pub struct NewVersion<'a> {
    pub entry_id: i64,
    pub version: i64,
    pub date: &'a str,
    pub title: Vec<u8>,
    pub body: Vec<u8>,
    pub author_id: UserId,
    pub author: &'a str,
    pub written_at: i64,
}

fn version_row(row: &sqlx::any::AnyRow) -> Result<VersionRow, sqlx::Error> {
    Ok(VersionRow {
        entry_id: row.try_get("entry_id")?,
        version: row.try_get("version")?,
        date: row.try_get("entry_date")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        author: row.try_get("author_name")?,
        written_at: row.try_get("written_at")?,
    })
}

/// The client's newest `limit` entries in their current wording, newest date first.
pub async fn current(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
    limit: i64,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    let rows = sqlx::query(
        // The page is chosen first on the dates alone, so that only its rows' sealed texts are read.
        "SELECT v.entry_id, v.version, v.entry_date, v.title, v.body, v.author_name, v.written_at
         FROM journal_entries e JOIN journal_versions v ON v.entry_id = e.id AND v.version = e.current_version
         WHERE e.id IN (
             SELECT p.id FROM journal_entries p
             JOIN journal_versions d ON d.entry_id = p.id AND d.version = p.current_version
             WHERE p.practice_id = $1 AND p.client_id = $2
             ORDER BY d.entry_date DESC, p.id DESC
             LIMIT $3)
         ORDER BY v.entry_date DESC, e.id DESC",
    )
    .bind(practice_id)
    .bind(client_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(version_row).collect()
}

/// Every version of one entry, newest first; empty when the client has no such entry.
pub async fn history(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
    entry_id: i64,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT v.entry_id, v.version, v.entry_date, v.title, v.body, v.author_name, v.written_at
         FROM journal_entries e JOIN journal_versions v ON v.entry_id = e.id
         WHERE e.id = $1 AND e.practice_id = $2 AND e.client_id = $3
         ORDER BY v.version DESC",
    )
    .bind(entry_id)
    .bind(practice_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(version_row).collect()
}

/// Every version of every entry of the client: entries by date (oldest first), versions in order.
pub async fn all_versions(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT v.entry_id, v.version, v.entry_date, v.title, v.body, v.author_name, v.written_at
         FROM journal_entries e
         JOIN journal_versions c ON c.entry_id = e.id AND c.version = e.current_version
         JOIN journal_versions v ON v.entry_id = e.id
         WHERE e.practice_id = $1 AND e.client_id = $2
         ORDER BY c.entry_date, e.id, v.version",
    )
    .bind(practice_id)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    rows.iter().map(version_row).collect()
}

/// A new entry, at version 1 (whose row the caller adds next, in the same transaction).
pub async fn insert_entry(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    client_id: ClientId,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO journal_entries (practice_id, client_id, current_version, created_at)
         VALUES ($1, $2, 1, $3) RETURNING id",
    )
    .bind(practice_id)
    .bind(client_id)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Moves the entry from version `base` to `base + 1`; `false` when it is not at `base` (someone
/// edited it meanwhile) or is not the client's.
pub async fn advance(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    client_id: ClientId,
    entry_id: i64,
    base: i64,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE journal_entries SET current_version = current_version + 1
         WHERE id = $1 AND practice_id = $2 AND client_id = $3 AND current_version = $4",
    )
    .bind(entry_id)
    .bind(practice_id)
    .bind(client_id)
    .bind(base)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

pub async fn insert_version(conn: &mut AnyConnection, version: NewVersion<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO journal_versions (entry_id, version, entry_date, title, body, author_id, author_name, written_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(version.entry_id)
    .bind(version.version)
    .bind(version.date)
    .bind(version.title)
    .bind(version.body)
    .bind(version.author_id)
    .bind(version.author)
    .bind(version.written_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the practice has this entry for this client at all.
pub async fn exists(db: &Db, practice_id: PracticeId, client_id: ClientId, entry_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM journal_entries WHERE id = $1 AND practice_id = $2 AND client_id = $3")
            .bind(entry_id)
            .bind(practice_id)
            .bind(client_id)
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

/// How many journal entries the client has (each with all its versions).
pub async fn count_for_client<'e, E>(db: E, practice_id: PracticeId, client_id: ClientId) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT COUNT(*) FROM journal_entries WHERE practice_id = $1 AND client_id = $2")
        .bind(practice_id)
        .bind(client_id)
        .fetch_one(db)
        .await
}

/// Each client's latest journal writing (a new entry or an edit), or only `client`'s: the cleanup job's "last activity".
pub async fn last_activity<'e, E>(
    db: E,
    practice_id: PracticeId,
    client: Option<ClientId>,
) -> Result<Vec<(ClientId, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    const ALL: &str = "SELECT e.client_id, MAX(v.written_at) FROM journal_entries e JOIN journal_versions v ON v.entry_id = e.id WHERE e.practice_id = $1 GROUP BY e.client_id";
    const ONE: &str = "SELECT e.client_id, MAX(v.written_at) FROM journal_entries e JOIN journal_versions v ON v.entry_id = e.id WHERE e.practice_id = $1 AND e.client_id = $2 GROUP BY e.client_id";
    crate::server::db::per_client(db, ALL, ONE, practice_id, client).await
}

/// How many journal entries the practice has.
pub async fn count_of_practice(db: &Db, practice_id: PracticeId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM journal_entries WHERE practice_id = $1")
        .bind(practice_id)
        .fetch_one(db)
        .await
}

/// Deletes every journal entry of the practice, with all their versions; how many went.
pub async fn delete_all_of_practice(db: &Db, practice_id: PracticeId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM journal_entries WHERE practice_id = $1").bind(practice_id).execute(db).await?;
    Ok(done.rows_affected())
}
