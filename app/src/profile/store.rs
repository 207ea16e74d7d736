//! SQL for practices: their details, time zone and booking address. The only place that writes
//! the `practices` table; other features read it through the narrow functions here.

use sqlx::AnyConnection;

use super::types::PracticeDetails;
use crate::ids::{PracticeId, UserId};
use crate::server::db::Db;

#[derive(sqlx::FromRow)]
struct DetailsRow {
    name: String,
    address: String,
    org_number: String,
}

pub async fn practice(db: &Db, practice_id: PracticeId) -> Result<PracticeDetails, sqlx::Error> {
    let row: DetailsRow = sqlx::query_as("SELECT name, address, org_number FROM practices WHERE id = $1")
        .bind(practice_id)
        .fetch_one(db)
        .await?;
    Ok(PracticeDetails { name: row.name, address: row.address, org_number: row.org_number })
}

pub async fn update_practice(db: &Db, practice_id: PracticeId, details: &PracticeDetails) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE practices SET name = $1, address = $2, org_number = $3 WHERE id = $4")
        .bind(&details.name)
        .bind(&details.address)
        .bind(&details.org_number)
        .bind(practice_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A new practice, in the caller's transaction (with its first account).
pub async fn create_in(conn: &mut AnyConnection, name: &str, now: i64) -> Result<PracticeId, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO practices (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// The practice's name.
pub async fn name_of(db: &Db, practice_id: PracticeId) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM practices WHERE id = $1").bind(practice_id).fetch_one(db).await
}

/// The practice's time zone.
pub async fn zone_of(db: &Db, practice_id: PracticeId) -> Result<chrono_tz::Tz, sqlx::Error> {
    let name: String =
        sqlx::query_scalar("SELECT time_zone FROM practices WHERE id = $1").bind(practice_id).fetch_one(db).await?;
    Ok(crate::local_time::zone(&name))
}

/// The practice behind a booking address.
#[derive(sqlx::FromRow)]
pub struct BookingPractice {
    pub id: PracticeId,
    pub name: String,
    pub time_zone: String,
}

pub async fn by_booking_slug(db: &Db, slug: &str) -> Result<Option<BookingPractice>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, time_zone FROM practices WHERE booking_slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await
}

/// The practice's name and booking address, if it has one.
pub async fn booking_slug_of(db: &Db, practice_id: PracticeId) -> Result<(String, Option<String>), sqlx::Error> {
    sqlx::query_as("SELECT name, booking_slug FROM practices WHERE id = $1").bind(practice_id).fetch_one(db).await
}

/// Sets the booking address unless one is set; `false` when the slug is taken by another practice.
pub async fn set_booking_slug(db: &Db, practice_id: PracticeId, slug: &str) -> Result<bool, sqlx::Error> {
    let taken: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM practices WHERE booking_slug = $1").bind(slug).fetch_one(db).await?;
    if taken > 0 {
        return Ok(false);
    }
    let result = sqlx::query("UPDATE practices SET booking_slug = $1 WHERE id = $2 AND booking_slug IS NULL")
        .bind(slug)
        .bind(practice_id)
        .execute(db)
        .await;
    match result {
        Ok(_) => Ok(true),
        // A parallel request took the same slug first (unique index).
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
        Err(error) => Err(error),
    }
}

/// A change of sign-in address waiting for its link to be followed.
pub struct NewEmailChange<'a> {
    pub user_id: UserId,
    pub old_email: &'a str,
    pub new_email: &'a str,
    pub confirm_hash: &'a [u8],
    pub confirm_expires_at: i64,
    pub now: i64,
}

/// Starts a change of address; any change of this account still waiting for its link ends.
pub async fn replace_pending_change(db: &Db, change: NewEmailChange<'_>) -> Result<(), sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    sqlx::query("DELETE FROM email_changes WHERE user_id = $1 AND confirmed_at IS NULL")
        .bind(change.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO email_changes (user_id, old_email, new_email, confirm_hash, confirm_expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(change.user_id)
    .bind(change.old_email)
    .bind(change.new_email)
    .bind(change.confirm_hash)
    .bind(change.confirm_expires_at)
    .bind(change.now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The account's change of address waiting for its link: (new address, link valid until).
pub async fn pending_change(db: &Db, user_id: UserId, now: i64) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT new_email, confirm_expires_at FROM email_changes
         WHERE user_id = $1 AND confirmed_at IS NULL AND confirm_expires_at > $2
         ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Forgets the account's change of address waiting for its link; `false` when none was waiting.
pub async fn cancel_pending_change(db: &Db, user_id: UserId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM email_changes WHERE user_id = $1 AND confirmed_at IS NULL")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A change of address, as its link found it.
#[derive(sqlx::FromRow)]
pub struct EmailChange {
    pub id: i64,
    pub user_id: UserId,
    pub old_email: String,
    pub new_email: String,
}

/// What following a confirmation link came to.
pub enum Confirmed {
    Changed(EmailChange),
    /// The link is unknown, used, run out, or the account's address changed since it was sent.
    Invalid,
    /// Another account has taken the new address meanwhile.
    Taken,
}

/// Follows a confirmation link: the account's address becomes the new one, once, and only while
/// the account still has the address the change began from. The revert link is stored with it.
pub async fn confirm_change(
    db: &Db,
    confirm_hash: &[u8],
    revert_hash: &[u8],
    revert_expires_at: i64,
    now: i64,
) -> Result<Confirmed, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let change: Option<EmailChange> = sqlx::query_as(
        "SELECT id, user_id, old_email, new_email FROM email_changes
         WHERE confirm_hash = $1 AND confirmed_at IS NULL AND confirm_expires_at > $2",
    )
    .bind(confirm_hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(change) = change else { return Ok(Confirmed::Invalid) };
    // Only one of two parallel confirmations marks the row.
    let marked = sqlx::query(
        "UPDATE email_changes SET confirmed_at = $1, revert_hash = $2, revert_expires_at = $3
         WHERE id = $4 AND confirmed_at IS NULL",
    )
    .bind(now)
    .bind(revert_hash)
    .bind(revert_expires_at)
    .bind(change.id)
    .execute(&mut *tx)
    .await?;
    if marked.rows_affected() != 1 {
        return Ok(Confirmed::Invalid);
    }
    match crate::auth::store::set_email_in(&mut tx, change.user_id, Some(&change.old_email), &change.new_email, now)
        .await?
    {
        crate::auth::store::EmailSet::Done => {}
        crate::auth::store::EmailSet::NotCurrent => return Ok(Confirmed::Invalid),
        crate::auth::store::EmailSet::Taken => return Ok(Confirmed::Taken),
    }
    tx.commit().await?;
    Ok(Confirmed::Changed(change))
}

/// Follows a "this wasn't me" link, once and in time: the account gets its old address back, its
/// password must be set again through a link to that address, every session ends, and changes
/// still waiting for their link are forgotten. `None` when the link is unknown, used, run out, or
/// another account has taken the old address meanwhile.
pub async fn revert_change(db: &Db, revert_hash: &[u8], now: i64) -> Result<Option<EmailChange>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let change: Option<EmailChange> = sqlx::query_as(
        "SELECT id, user_id, old_email, new_email FROM email_changes
         WHERE revert_hash = $1 AND reverted_at IS NULL AND revert_expires_at > $2",
    )
    .bind(revert_hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(change) = change else { return Ok(None) };
    let marked = sqlx::query("UPDATE email_changes SET reverted_at = $1 WHERE id = $2 AND reverted_at IS NULL")
        .bind(now)
        .bind(change.id)
        .execute(&mut *tx)
        .await?;
    if marked.rows_affected() != 1 {
        return Ok(None);
    }
    match crate::auth::store::set_email_in(&mut tx, change.user_id, None, &change.old_email, now).await? {
        crate::auth::store::EmailSet::Done => {}
        crate::auth::store::EmailSet::NotCurrent | crate::auth::store::EmailSet::Taken => return Ok(None),
    }
    sqlx::query("DELETE FROM email_changes WHERE user_id = $1 AND confirmed_at IS NULL")
        .bind(change.user_id)
        .execute(&mut *tx)
        .await?;
    crate::auth::store::require_password_reset_in(&mut tx, change.user_id).await?;
    crate::server::sessions::delete_all_of_in(&mut tx, change.user_id).await?;
    tx.commit().await?;
    Ok(Some(change))
}

/// Forgets changes whose links have all run out: unconfirmed past their confirmation link,
/// confirmed past their revert link.
pub async fn delete_expired_changes(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM email_changes
         WHERE (confirmed_at IS NULL AND confirm_expires_at <= $1)
            OR (confirmed_at IS NOT NULL AND revert_expires_at <= $1)",
    )
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Forgets every change of address of the account, waiting or done, in the caller's transaction:
/// after a hand-over no link from before (a "this wasn't me" link among them) reaches it.
pub async fn forget_changes_in(conn: &mut AnyConnection, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM email_changes WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}
