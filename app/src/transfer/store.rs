//! SQL for hand-overs (`ownership_transfers`). The account's own columns are changed through
//! `auth::store`, `two_factor::store` and `server::sessions`.

use crate::ids::{PracticeId, UserId};
use crate::server::db::Db;

pub struct NewTransfer<'a> {
    pub practice_id: PracticeId,
    pub user_id: UserId,
    pub new_email: &'a str,
    pub new_name: &'a str,
    pub password_hash: &'a str,
    pub confirm_hash: &'a [u8],
    pub confirm_expires_at: i64,
    pub now: i64,
}

/// Starts a hand-over; one not yet completed is replaced.
pub async fn replace_pending(db: &Db, transfer: NewTransfer<'_>) -> Result<(), sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    sqlx::query("DELETE FROM ownership_transfers WHERE user_id = $1 AND completed_at IS NULL")
        .bind(transfer.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO ownership_transfers
             (practice_id, user_id, new_email, new_name, password_hash, confirm_hash, confirm_expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(transfer.practice_id)
    .bind(transfer.user_id)
    .bind(transfer.new_email)
    .bind(transfer.new_name)
    .bind(transfer.password_hash)
    .bind(transfer.confirm_hash)
    .bind(transfer.confirm_expires_at)
    .bind(transfer.now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub async fn cancel(db: &Db, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM ownership_transfers WHERE user_id = $1 AND completed_at IS NULL")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct TransferRow {
    pub id: i64,
    pub new_email: String,
    pub new_name: String,
    pub password_hash: String,
    pub confirm_expires_at: i64,
    pub confirmed_at: Option<i64>,
}

/// The account's hand-over not yet completed.
pub async fn pending(db: &Db, user_id: UserId) -> Result<Option<TransferRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, new_email, new_name, password_hash, confirm_expires_at, confirmed_at FROM ownership_transfers
         WHERE user_id = $1 AND completed_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Follows the link mailed to the new owner: `true` when it confirmed a waiting hand-over.
pub async fn confirm(db: &Db, confirm_hash: &[u8], now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE ownership_transfers SET confirmed_at = $1
         WHERE confirm_hash = $2 AND confirmed_at IS NULL AND completed_at IS NULL AND confirm_expires_at > $1",
    )
    .bind(now)
    .bind(confirm_hash)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the hand-over done, in the caller's transaction; `false` when it was completed or
/// replaced meanwhile.
pub async fn complete_in(conn: &mut sqlx::AnyConnection, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE ownership_transfers SET completed_at = $1
         WHERE id = $2 AND completed_at IS NULL AND confirmed_at IS NOT NULL",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
