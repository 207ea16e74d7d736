//! SQL for practices: their details, time zone and booking address. The only place that writes
//! the `practices` table; other features read it through the narrow functions here.

use sqlx::AnyConnection;

use super::types::PracticeDetails;
use crate::ids::PracticeId;
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
