//! SQL for practice exports and their sealed pieces. Every statement names the practice.

use crate::ids::{PracticeId, UserId};
use crate::server::db::Db;

pub const BUILDING: &str = "building";
pub const READY: &str = "ready";
pub const TAKEN: &str = "taken";
pub const FAILED: &str = "failed";

#[derive(sqlx::FromRow)]
pub struct ExportRow {
    pub id: i64,
    pub user_id: UserId,
    pub status: String,
    pub clients_done: i64,
    pub clients_total: i64,
    pub key_wrapped: Vec<u8>,
    pub size: i64,
    pub pieces: i64,
    pub created_at: i64,
    pub touched_at: i64,
    pub expires_at: Option<i64>,
}

const COLUMNS: &str =
    "id, user_id, status, clients_done, clients_total, key_wrapped, size, pieces, created_at, touched_at, expires_at";

/// Starts an export unless one of the practice is building and was touched since `alive_since`:
/// its id, or `None` when one is under way. A build silent since then is taken as dead.
pub async fn start(
    db: &Db,
    practice_id: PracticeId,
    user_id: UserId,
    key_wrapped: impl FnOnce(i64) -> Vec<u8>,
    alive_since: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    if db.backend() == crate::server::db::Backend::Postgres {
        sqlx::query("SELECT id FROM practices WHERE id = $1 FOR UPDATE").bind(practice_id).execute(&mut *tx).await?;
    }
    let running: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM practice_exports WHERE practice_id = $1 AND status = $2 AND touched_at >= $3",
    )
    .bind(practice_id)
    .bind(BUILDING)
    .bind(alive_since)
    .fetch_one(&mut *tx)
    .await?;
    if running > 0 {
        return Ok(None);
    }
    sqlx::query("UPDATE practice_exports SET status = $1 WHERE practice_id = $2 AND status = $3")
        .bind(FAILED)
        .bind(practice_id)
        .bind(BUILDING)
        .execute(&mut *tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO practice_exports (practice_id, user_id, status, key_wrapped, created_at, touched_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(practice_id)
    .bind(user_id)
    .bind(BUILDING)
    .bind(Vec::<u8>::new())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE practice_exports SET key_wrapped = $1 WHERE id = $2")
        .bind(key_wrapped(id))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// The practice's newest export.
pub async fn newest(db: &Db, practice_id: PracticeId) -> Result<Option<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM practice_exports WHERE practice_id = $1 ORDER BY id DESC LIMIT 1"))
        .bind(practice_id)
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: &Db, practice_id: PracticeId, id: i64) -> Result<Option<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM practice_exports WHERE id = $1 AND practice_id = $2"))
        .bind(id)
        .bind(practice_id)
        .fetch_optional(db)
        .await
}

/// How far the build is; `false` when the export is no longer building (it was given up).
pub async fn progress(db: &Db, id: i64, done: i64, total: i64, now: i64) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE practice_exports SET clients_done = $1, clients_total = $2, touched_at = $3
         WHERE id = $4 AND status = $5",
    )
    .bind(done)
    .bind(total)
    .bind(now)
    .bind(id)
    .bind(BUILDING)
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn add_piece(db: &Db, id: i64, seq: i64, sealed: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO practice_export_pieces (export_id, seq, sealed) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(seq)
        .bind(sealed)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn piece(db: &Db, id: i64, seq: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT sealed FROM practice_export_pieces WHERE export_id = $1 AND seq = $2")
        .bind(id)
        .bind(seq)
        .fetch_optional(db)
        .await
}

/// The build is done: the link's hash, the archive's size and pieces, and until when it works.
pub struct Finished<'a> {
    pub id: i64,
    pub token_hash: &'a [u8],
    pub size: i64,
    pub pieces: i64,
    pub expires_at: i64,
    pub now: i64,
}

pub async fn finish(db: &Db, done: Finished<'_>) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE practice_exports SET status = $1, token_hash = $2, size = $3, pieces = $4, expires_at = $5,
                touched_at = $6
         WHERE id = $7 AND status = $8",
    )
    .bind(READY)
    .bind(done.token_hash)
    .bind(done.size)
    .bind(done.pieces)
    .bind(done.expires_at)
    .bind(done.now)
    .bind(done.id)
    .bind(BUILDING)
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn fail(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE practice_exports SET status = $1 WHERE id = $2 AND status = $3")
        .bind(FAILED)
        .bind(id)
        .bind(BUILDING)
        .execute(db)
        .await?;
    sqlx::query("DELETE FROM practice_export_pieces WHERE export_id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// Uses the link up: the export it opens for this practitioner, once, while it works. Two
/// parallel downloads get it once.
pub async fn take(db: &Db, token_hash: &[u8], user_id: UserId, now: i64) -> Result<Option<ExportRow>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let row: Option<ExportRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM practice_exports
         WHERE token_hash = $1 AND user_id = $2 AND status = $3 AND expires_at > $4"
    ))
    .bind(token_hash)
    .bind(user_id)
    .bind(READY)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let taken = sqlx::query("UPDATE practice_exports SET status = $1, touched_at = $2 WHERE id = $3 AND status = $4")
        .bind(TAKEN)
        .bind(now)
        .bind(row.id)
        .bind(READY)
        .execute(&mut *tx)
        .await?;
    if taken.rows_affected() != 1 {
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(row))
}

/// Deletes the pieces of an export that was handed out.
pub async fn drop_pieces(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM practice_export_pieces WHERE export_id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// Deletes the pieces of exports past their 24 hours, given up, or taken longer than an hour ago
/// (a download still streaming has its pieces until then), and builds silent since `dead_since`.
pub async fn purge(db: &Db, now: i64, dead_since: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("UPDATE practice_exports SET status = $1 WHERE status = $2 AND touched_at < $3")
        .bind(FAILED)
        .bind(BUILDING)
        .bind(dead_since)
        .execute(db)
        .await?;
    let gone = sqlx::query(
        "DELETE FROM practice_export_pieces WHERE export_id IN (
             SELECT id FROM practice_exports
             WHERE status = $1 OR (status = $2 AND expires_at <= $3) OR (status = $4 AND touched_at <= $5))",
    )
    .bind(FAILED)
    .bind(READY)
    .bind(now)
    .bind(TAKEN)
    .bind(now - 3600)
    .execute(db)
    .await?;
    Ok(gone.rows_affected())
}
