//! SQL for services and opening hours, each scoped to one practice.

use super::types::{DayHours, Service, ServiceInput};
use crate::ids::PracticeId;
use crate::server::db::Db;

#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: i64,
    name: String,
    duration_minutes: i64,
    price_ore: Option<i64>,
    colour: String,
}

pub async fn services(db: &Db, practice_id: PracticeId) -> Result<Vec<Service>, sqlx::Error> {
    let rows: Vec<ServiceRow> = sqlx::query_as(
        "SELECT id, name, duration_minutes, price_ore, colour FROM services WHERE practice_id = $1
         ORDER BY LOWER(name), id",
    )
    .bind(practice_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Service {
            id: row.id,
            name: row.name,
            duration_minutes: row.duration_minutes,
            price_ore: row.price_ore,
            colour: row.colour,
        })
        .collect())
}

pub async fn service(db: &Db, practice_id: PracticeId, id: i64) -> Result<Option<Service>, sqlx::Error> {
    Ok(services(db, practice_id).await?.into_iter().find(|service| service.id == id))
}

/// A new service; without a chosen colour it takes the first one no other service has.
pub async fn create_service(
    db: &Db,
    practice_id: PracticeId,
    input: &ServiceInput,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let colour = match input.colour {
        Some(colour) => colour,
        None => {
            let taken = services(db, practice_id).await?;
            super::types::next_colour(taken.iter().map(|s| s.colour.as_str()))
        }
    };
    sqlx::query_scalar(
        "INSERT INTO services (practice_id, name, duration_minutes, price_ore, colour, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(practice_id)
    .bind(&input.name)
    .bind(input.duration_minutes)
    .bind(input.price_ore)
    .bind(colour)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn delete_service(db: &Db, practice_id: PracticeId, id: i64) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM services WHERE id = $1 AND practice_id = $2")
        .bind(id)
        .bind(practice_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(deleted == 1)
}

#[derive(sqlx::FromRow)]
struct HoursRow {
    weekday: i64,
    opens_minute: i64,
    closes_minute: i64,
}

/// All seven days, Monday first; a day without a row is closed.
pub async fn opening_hours(db: &Db, practice_id: PracticeId) -> Result<Vec<DayHours>, sqlx::Error> {
    let rows: Vec<HoursRow> =
        sqlx::query_as("SELECT weekday, opens_minute, closes_minute FROM opening_hours WHERE practice_id = $1")
            .bind(practice_id)
            .fetch_all(db)
            .await?;
    let mut week: Vec<DayHours> = (0..7).map(|weekday| DayHours { weekday, open: None }).collect();
    for row in rows {
        if let Some(day) = week.get_mut(row.weekday as usize) {
            day.open = Some((row.opens_minute, row.closes_minute));
        }
    }
    Ok(week)
}

pub async fn set_opening_hours(db: &Db, practice_id: PracticeId, week: &[DayHours]) -> Result<(), sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    sqlx::query("DELETE FROM opening_hours WHERE practice_id = $1").bind(practice_id).execute(&mut *tx).await?;
    for day in week {
        if let Some((opens, closes)) = day.open {
            sqlx::query(
                "INSERT INTO opening_hours (practice_id, weekday, opens_minute, closes_minute) VALUES ($1, $2, $3, $4)",
            )
            .bind(practice_id)
            .bind(day.weekday)
            .bind(opens)
            .bind(closes)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

/// Deletes every service of the practice (their appointments stay, without a service); how many
/// went.
pub async fn delete_all_of_practice(db: &Db, practice_id: PracticeId) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM services WHERE practice_id = $1").bind(practice_id).execute(db).await?.rows_affected())
}
