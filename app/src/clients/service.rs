//! Client rules: the input checks that need the server (today's date), then the store.

use super::store;
use super::types::{Client, ClientInput, ClientSummary, DeletionSummary, RawClient};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::error::{AppError, Problem};
use crate::ids::{ClientId, PracticeId};
use crate::server::crypto::MasterKey;
use crate::server::db::Db;
use crate::server::envelope::{self, Field};
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

fn checked(state: &AppState, raw: RawClient<'_>) -> Result<ClientInput, AppError> {
    let input = ClientInput::parse(raw)?;
    if !input.birth_date.is_empty() && input.birth_date > state.clock.latest_date_anywhere() {
        return Err(AppError::field("birth_date", Problem::DateInFuture));
    }
    Ok(input)
}

const NOTES: Field<'static> = Field { record: "profile", field: "clients.notes" };

/// Seals the notes with the client's key (creating the key when the client has none yet).
async fn store_notes(
    db: &Db,
    master: &MasterKey,
    practice_id: PracticeId,
    id: ClientId,
    notes: &str,
) -> Result<(), AppError> {
    let sealed = if notes.is_empty() {
        None
    } else {
        Some(envelope::for_client(db, master, practice_id, id).await?.seal_text(notes, NOTES))
    };
    Ok(store::set_sealed_notes(db, practice_id, id, sealed).await?)
}

pub async fn create(state: &AppState, user: &CurrentUser, raw: RawClient<'_>) -> Result<ClientId, AppError> {
    let input = checked(state, raw)?;
    let now = state.clock.now();
    let id = store::create(&state.db, user.practice_id, &input, now).await?;
    store_notes(&state.db, &state.master_key, user.practice_id, id, &input.notes).await?;
    audit::record(&state.db, user, now, AuditAction::ClientCreated, Some(id), None).await?;
    Ok(id)
}

pub async fn update(state: &AppState, user: &CurrentUser, id: ClientId, raw: RawClient<'_>) -> Result<(), AppError> {
    let input = checked(state, raw)?;
    let now = state.clock.now();
    if !store::update(&state.db, user.practice_id, id, &input, now).await? {
        return Err(AppError::NotFound);
    }
    store_notes(&state.db, &state.master_key, user.practice_id, id, &input.notes).await?;
    audit::record(&state.db, user, now, AuditAction::ClientUpdated, Some(id), None).await?;
    Ok(())
}

/// The practice's clients whose name, e-mail or phone matches `query` (at most 500), each with
/// its consent status.
pub async fn list(state: &AppState, user: &CurrentUser, query: &str) -> Result<Vec<ClientSummary>, AppError> {
    let mut clients = store::search(&state.db, user.practice_id, query, 500).await?;
    let consent = crate::consent::service::statuses(state, user.practice_id).await?;
    for client in &mut clients {
        client.consent = consent.get(&client.id).copied().unwrap_or(client.consent);
    }
    Ok(clients)
}

/// The client with its notes opened, recorded as a reading; `NotFound` when the practice has no
/// such client.
pub async fn get(state: &AppState, user: &CurrentUser, id: ClientId) -> Result<Client, AppError> {
    let row = store::get(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let mut client = row.client;
    if let Some(sealed) = row.sealed_notes {
        let keys = envelope::existing(&state.db, &state.master_key, user.practice_id, id).await?.ok_or_else(|| {
            tracing::error!(client_id = %id, "sealed notes without a data key");
            AppError::Internal
        })?;
        client.notes = keys.open_text(&sealed, NOTES)?;
    }
    audit::record(&state.db, user, state.clock.now(), AuditAction::ClientRead, Some(id), None).await?;
    Ok(client)
}

/// What deleting the client would take with it: its name (a reading of client data, so
/// recorded) and how many records of each kind.
pub async fn deletion_preview(state: &AppState, user: &CurrentUser, id: ClientId) -> Result<DeletionSummary, AppError> {
    let row = store::get(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let db = &state.db;
    let preview = DeletionSummary {
        id,
        name: row.client.name,
        journal_entries: crate::journal::store::count_for_client(db, user.practice_id, id).await?,
        appointments: crate::calendar::store::count_for_client(db, user.practice_id, id).await?,
        consents: crate::consent::store::count_for_client(db, user.practice_id, id).await?,
    };
    audit::record(db, user, state.clock.now(), AuditAction::ClientRead, Some(id), None).await?;
    Ok(preview)
}

/// Deletes the client: first its data keys, so that anything sealed with them can no longer be
/// read; then its appointments and the client with everything that hangs on it; and records it
/// in the audit log, all in one transaction.
/// Then the old pages leave the SQLite WAL too, so the files on disk no longer hold the client's
/// name, key or journals.
pub async fn delete(state: &AppState, user: &CurrentUser, id: ClientId) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(&state.db).await?;
    store::delete_keys(&mut tx, user.practice_id, id).await?;
    crate::calendar::store::delete_for_client_in(&mut tx, user.practice_id, id).await?;
    if !store::delete(&mut tx, user.practice_id, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut *tx, user, state.clock.now(), AuditAction::ClientDeleted, Some(id), None).await?;
    tx.commit().await?;
    crate::server::db::purge_wal(&state.db).await;
    Ok(())
}
