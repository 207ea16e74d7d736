//! SQL for the practice's details.

use sqlx::Row;

use super::types::PracticeDetails;
use crate::server::db::Db;

pub async fn practice(db: &Db, practice_id: i64) -> Result<PracticeDetails, sqlx::Error> {
    let row = sqlx::query("SELECT name, address, org_number FROM practices WHERE id = $1")
        .bind(practice_id)
        .fetch_one(db)
        .await?;
    Ok(PracticeDetails { name: row.try_get(0)?, address: row.try_get(1)?, org_number: row.try_get(2)? })
}

pub async fn update_practice(db: &Db, practice_id: i64, details: &PracticeDetails) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE practices SET name = $1, address = $2, org_number = $3 WHERE id = $4")
        .bind(&details.name)
        .bind(&details.address)
        .bind(&details.org_number)
        .bind(practice_id)
        .execute(db)
        .await?;
    Ok(())
}
