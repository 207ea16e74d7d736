//! SQL for the public booking page: the practice behind a booking address, and the client a
//! booking is filed under.

use sqlx::Row;

use crate::server::db::Db;

pub struct BookingPractice {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
}

pub async fn practice_by_slug(db: &Db, slug: &str) -> Result<Option<BookingPractice>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, time_zone FROM practices WHERE booking_slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|row| BookingPractice { id: row.get(0), name: row.get(1), time_zone: row.get(2) }))
}

pub async fn slug_of(db: &Db, practice_id: i64) -> Result<(String, Option<String>), sqlx::Error> {
    let row =
        sqlx::query("SELECT name, booking_slug FROM practices WHERE id = $1").bind(practice_id).fetch_one(db).await?;
    Ok((row.get(0), row.get(1)))
}

/// Sets the booking address unless one is set; `false` when the slug is taken by another practice.
pub async fn set_slug(db: &Db, practice_id: i64, slug: &str) -> Result<bool, sqlx::Error> {
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

/// The practice's client with this name and email, or a new one with the booker's details. The
/// name must match too: a stranger's booking never lands on another client's record by email alone.
pub async fn client_for_booking(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    practice_id: i64,
    name: &str,
    email: &str,
    phone: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM clients WHERE practice_id = $1 AND LOWER(email) = $2 AND LOWER(name) = $3 ORDER BY id LIMIT 1",
    )
    .bind(practice_id)
    .bind(email)
    .bind(name.to_lowercase())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    sqlx::query_scalar(
        "INSERT INTO clients (practice_id, name, email, phone, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(practice_id)
    .bind(name)
    .bind(email)
    .bind(phone)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}
