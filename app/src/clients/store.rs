//! SQL for clients. Every statement is scoped to one practice: a client id alone never reaches
//! a row.

use sqlx::AnyConnection;

use super::types::{Client, ClientInput, ClientSummary};
use crate::consent::types::ConsentStatus;
use crate::ids::{ClientId, PracticeId};
use crate::server::db::Db;

/// The practice's clients whose name, email or phone contains `query` (all when empty), by name.
pub async fn search(
    db: &Db,
    practice_id: PracticeId,
    query: &str,
    limit: i64,
) -> Result<Vec<ClientSummary>, sqlx::Error> {
    let pattern = format!("%{}%", escape_like(&query.trim().to_lowercase()));
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT id, name, email, phone FROM clients
         WHERE practice_id = $1
           AND (LOWER(name) LIKE $2 ESCAPE '\\' OR LOWER(email) LIKE $2 ESCAPE '\\' OR phone LIKE $2 ESCAPE '\\')
         ORDER BY LOWER(name), id LIMIT $3",
    )
    .bind(practice_id)
    .bind(pattern)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ClientSummary {
            id: row.id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            consent: ConsentStatus::NotAsked,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: ClientId,
    name: String,
    email: String,
    phone: String,
}

/// `%` and `_` typed in a search are letters, not wildcards.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A client's row; the notes still sealed (or `None` when there are none).
pub struct ClientRow {
    pub client: Client,
    pub sealed_notes: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct DetailsRow {
    id: ClientId,
    name: String,
    email: String,
    phone: String,
    birth_date: String,
    address: String,
    notes_sealed: Option<Vec<u8>>,
}

pub async fn get(db: &Db, practice_id: PracticeId, id: ClientId) -> Result<Option<ClientRow>, sqlx::Error> {
    let row: Option<DetailsRow> = sqlx::query_as(
        "SELECT id, name, email, phone, birth_date, address, notes_sealed FROM clients WHERE id = $1 AND practice_id = $2",
    )
    .bind(id)
    .bind(practice_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| ClientRow {
        client: Client {
            id: row.id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            birth_date: row.birth_date,
            address: row.address,
            notes: String::new(),
        },
        sealed_notes: row.notes_sealed,
    }))
}

/// A new client, without notes (they are sealed with the client's key, which needs its id).
pub async fn create(db: &Db, practice_id: PracticeId, input: &ClientInput, now: i64) -> Result<ClientId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO clients (practice_id, name, email, phone, birth_date, address, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(practice_id)
    .bind(&input.name)
    .bind(&input.email)
    .bind(&input.phone)
    .bind(&input.birth_date)
    .bind(&input.address)
    .bind(now)
    .fetch_one(db)
    .await
}

/// `false` when the practice has no such client. The notes are set apart, sealed.
pub async fn update(
    db: &Db,
    practice_id: PracticeId,
    id: ClientId,
    input: &ClientInput,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE clients SET name = $1, email = $2, phone = $3, birth_date = $4, address = $5, updated_at = $6
         WHERE id = $7 AND practice_id = $8",
    )
    .bind(&input.name)
    .bind(&input.email)
    .bind(&input.phone)
    .bind(&input.birth_date)
    .bind(&input.address)
    .bind(now)
    .bind(id)
    .bind(practice_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// The practice's client with this name and email, or a new one with the booker's details. The
/// name must match too: a stranger's booking never lands on another client's record by email alone.
pub async fn for_booking_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    practice_id: PracticeId,
    name: &str,
    email: &str,
    phone: &str,
    now: i64,
) -> Result<ClientId, sqlx::Error> {
    let existing: Option<ClientId> = sqlx::query_scalar(
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

/// Stores the client's sealed notes (`None`: no notes). The older plaintext `notes` column is
/// never written: it stays empty.
pub async fn set_sealed_notes(
    db: &Db,
    practice_id: PracticeId,
    id: ClientId,
    sealed: Option<Vec<u8>>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE clients SET notes_sealed = $1 WHERE id = $2 AND practice_id = $3")
        .bind(sealed)
        .bind(id)
        .bind(practice_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The name of the practice's client; `None` when the practice has no such client.
pub async fn name_of(db: &Db, practice_id: PracticeId, client_id: ClientId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM clients WHERE id = $1 AND practice_id = $2")
        .bind(client_id)
        .bind(practice_id)
        .fetch_optional(db)
        .await
}

/// Deletes the client's data keys, so that anything sealed with them (journals, booking details,
/// wherever a copy lies) can no longer be read. The first step of deleting a client.
pub async fn delete_keys(conn: &mut AnyConnection, practice_id: PracticeId, id: ClientId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM client_keys WHERE client_id = $1 AND practice_id = $2")
        .bind(id)
        .bind(practice_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the client with everything that hangs on it (its keys and appointments are gone
/// already). `false` when the practice has no such client.
pub async fn delete(conn: &mut AnyConnection, practice_id: PracticeId, id: ClientId) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM clients WHERE id = $1 AND practice_id = $2")
        .bind(id)
        .bind(practice_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(deleted == 1)
}
