//! Start-up steps that bring an older database up to date, where SQL alone cannot: sealing values
//! needs the master key. Each runs in batches that commit one by one, so a start that stops half
//! way goes on where it stopped; a finished database costs one query.
//!
//! The statements here read the plaintext columns that migration 0017 drops, which no store
//! knows any more; so they live here, beside the one step that needs them.

use sqlx::AnyConnection;

use crate::clients::directory::Profile;
use crate::error::AppError;
use crate::ids::{ClientId, PracticeId};
use crate::server::crypto::MasterKey;
use crate::server::db::{self, AFTER_SEALING, Db};
use crate::server::envelope;

const BATCH: i64 = 200;

/// How many rows one run sealed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sealed {
    pub clients: u64,
    pub appointments: u64,
    /// Outbox copies of mails to clients, from before they were sealed: deleted (the outbox only
    /// serves development, and a copy cannot be tied to its client safely).
    pub mails_deleted: u64,
}

/// Seals the clients' names, contact details and notes and the appointments' notes that are
/// still plaintext, with each client's key; nothing once migration 0017 has dropped those columns.
pub async fn seal_plaintext(db: &Db, master: &MasterKey) -> Result<Sealed, AppError> {
    let mut sealed = Sealed::default();
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE version >= $1")
        .bind(AFTER_SEALING)
        .fetch_one(db)
        .await?;
    if done > 0 {
        return Ok(sealed);
    }
    sealed.mails_deleted = sqlx::query(
        "DELETE FROM outbox WHERE client_id IS NULL AND recipient <> ''
           AND LOWER(recipient) IN (SELECT LOWER(email) FROM clients WHERE email <> '')",
    )
    .execute(db)
    .await?
    .rows_affected();
    loop {
        let mut tx = db::begin_write(db).await?;
        let rows: Vec<PlainClient> = sqlx::query_as(
            "SELECT id, practice_id, name, email, phone, birth_date, address, notes, updated_at FROM clients
             WHERE profile_sealed IS NULL ORDER BY id LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            seal_client(&mut tx, master, row).await?;
            sealed.clients += 1;
        }
        tx.commit().await?;
    }
    loop {
        let mut tx = db::begin_write(db).await?;
        let rows: Vec<PlainNotes> = sqlx::query_as(
            "SELECT id, practice_id, client_id, notes FROM appointments
             WHERE notes <> '' AND notes_sealed IS NULL ORDER BY id LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let keys = envelope::for_client_in(&mut tx, master, row.practice_id, row.client_id).await?;
            let notes = crate::calendar::service::seal_notes(&keys, row.id, &row.notes);
            sqlx::query("UPDATE appointments SET notes_sealed = $1, notes = '' WHERE id = $2")
                .bind(notes)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            sealed.appointments += 1;
        }
        tx.commit().await?;
    }
    if sealed != Sealed::default() {
        tracing::info!(?sealed, "sealed the plaintext client data of an older version");
    }
    Ok(sealed)
}

#[derive(sqlx::FromRow)]
struct PlainClient {
    id: ClientId,
    practice_id: PracticeId,
    name: String,
    email: String,
    phone: String,
    birth_date: String,
    address: String,
    notes: String,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct PlainNotes {
    id: i64,
    practice_id: PracticeId,
    client_id: ClientId,
    notes: String,
}

async fn seal_client(tx: &mut AnyConnection, master: &MasterKey, row: PlainClient) -> Result<(), AppError> {
    let keys = envelope::for_client_in(&mut *tx, master, row.practice_id, row.id).await?;
    let profile = Profile {
        name: row.name,
        email: row.email,
        phone: row.phone,
        birth_date: row.birth_date,
        address: row.address,
    };
    if !row.notes.is_empty() {
        let notes = keys.seal_text(&row.notes, crate::clients::service::NOTES);
        crate::clients::store::set_sealed_notes_in(&mut *tx, row.practice_id, row.id, Some(notes)).await?;
    }
    let sealed = profile.seal(&keys);
    crate::clients::store::set_profile_in(&mut *tx, row.practice_id, row.id, &sealed, row.updated_at).await?;
    sqlx::query(
        "UPDATE clients SET name = '', email = '', phone = '', birth_date = '', address = '', notes = '' WHERE id = $1",
    )
    .bind(row.id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
