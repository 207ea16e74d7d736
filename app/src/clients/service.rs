//! Client rules: the input checks that need the server (today's date); the client's profile and
//! notes sealed with its own key; reading through the practice's opened [`Directory`].

use std::sync::Arc;

use sqlx::AnyConnection;

use super::directory::{Directory, Entry, Profile};
use super::store;
use super::types::{Client, ClientInput, ClientSummary, DeletionCause, DeletionSummary, RawClient};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::consent::types::ConsentStatus;
use crate::error::{AppError, Problem};
use crate::ids::{ClientId, PracticeId};
use crate::server::db::begin_write;
use crate::server::envelope::{self, ClientKeys, Field};
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

fn checked(state: &AppState, raw: RawClient<'_>) -> Result<ClientInput, AppError> {
    let input = ClientInput::parse(raw)?;
    if !input.birth_date.is_empty() && input.birth_date > state.clock.latest_date_anywhere() {
        return Err(AppError::field("birth_date", Problem::DateInFuture));
    }
    Ok(input)
}

pub const NOTES: Field<'static> = Field { record: "profile", field: "clients.notes" };

/// The practice's clients, opened (see [`super::directory`]).
pub async fn directory(state: &AppState, practice_id: PracticeId) -> Result<Arc<Directory>, AppError> {
    directory_in(state, &mut *state.db.acquire().await?, practice_id).await
}

/// [`directory`] read through the caller's transaction.
pub async fn directory_in(
    state: &AppState,
    conn: &mut AnyConnection,
    practice_id: PracticeId,
) -> Result<Arc<Directory>, AppError> {
    state.clients.of(conn, &state.master_key, practice_id).await
}

/// The practice's client, opened; `None` when it has no such client.
pub async fn entry(state: &AppState, practice_id: PracticeId, id: ClientId) -> Result<Option<Arc<Entry>>, AppError> {
    Ok(directory(state, practice_id).await?.get(id).cloned())
}

/// The client's name; `None` when the practice has no such client.
pub async fn name_of(state: &AppState, practice_id: PracticeId, id: ClientId) -> Result<Option<String>, AppError> {
    Ok(super::directory::profile(&state.db, &state.master_key, practice_id, id).await?.map(|profile| profile.name))
}

fn profile_of(input: &ClientInput) -> Profile {
    Profile {
        name: input.name.clone(),
        email: input.email.clone(),
        phone: input.phone.clone(),
        birth_date: input.birth_date.clone(),
        address: input.address.clone(),
    }
}

/// Seals the profile and the notes with the client's key (creating the key when the client has
/// none yet), in the caller's transaction. `false` when the practice has no such client.
async fn store_sealed(
    state: &AppState,
    tx: &mut AnyConnection,
    practice_id: PracticeId,
    id: ClientId,
    input: &ClientInput,
    now: i64,
) -> Result<bool, AppError> {
    let keys = match envelope::for_client_in(&mut *tx, &state.master_key, practice_id, id).await {
        Err(AppError::NotFound) => return Ok(false),
        keys => keys?,
    };
    let notes = (!input.notes.is_empty()).then(|| keys.seal_text(&input.notes, NOTES));
    store::set_sealed_notes_in(&mut *tx, practice_id, id, notes).await?;
    Ok(store::set_profile_in(tx, practice_id, id, &profile_of(input).seal(&keys), now).await?)
}

/// A new client from checked input, its key and sealed values, in the caller's transaction.
pub async fn create_in(
    state: &AppState,
    tx: &mut AnyConnection,
    practice_id: PracticeId,
    input: &ClientInput,
    now: i64,
) -> Result<ClientId, AppError> {
    let id = store::create_in(&mut *tx, practice_id, now).await?;
    store_sealed(state, tx, practice_id, id, input, now).await?;
    Ok(id)
}

pub async fn create(state: &AppState, user: &CurrentUser, raw: RawClient<'_>) -> Result<ClientId, AppError> {
    let input = checked(state, raw)?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let id = create_in(state, &mut tx, user.practice_id, &input, now).await?;
    audit::record(&mut *tx, user, now, AuditAction::ClientCreated, Some(id), None).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(state: &AppState, user: &CurrentUser, id: ClientId, raw: RawClient<'_>) -> Result<(), AppError> {
    let input = checked(state, raw)?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    if !store_sealed(state, &mut tx, user.practice_id, id, &input, now).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut *tx, user, now, AuditAction::ClientUpdated, Some(id), None).await?;
    tx.commit().await?;
    Ok(())
}

/// The most clients one list shows.
const LIST_MAX: usize = 500;

/// The practice's clients whose name, e-mail or phone matches `query` (at most 500), each with
/// its consent status.
pub async fn list(state: &AppState, user: &CurrentUser, query: &str) -> Result<Vec<ClientSummary>, AppError> {
    let (directory, consent) = tokio::try_join!(
        directory(state, user.practice_id),
        crate::consent::service::statuses(state, user.practice_id)
    )?;
    Ok(directory
        .search(query, LIST_MAX)
        .into_iter()
        .map(|entry| ClientSummary {
            id: entry.id,
            name: entry.profile.name.clone(),
            email: entry.profile.email.clone(),
            phone: entry.profile.phone.clone(),
            consent: consent.get(&entry.id).copied().unwrap_or(ConsentStatus::NotAsked),
        })
        .collect())
}

/// The client with its notes opened, recorded as a reading; `NotFound` when the practice has no
/// such client.
pub async fn get(state: &AppState, user: &CurrentUser, id: ClientId) -> Result<Client, AppError> {
    let (client, _) = with_keys(state, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    audit::record(&state.db, user, state.clock.now(), AuditAction::ClientRead, Some(id), None).await?;
    Ok(client)
}

/// The client with its notes opened, and its keys (for a data export, which the caller records);
/// `None` when the practice has no such client.
pub async fn with_keys(
    state: &AppState,
    practice_id: PracticeId,
    id: ClientId,
) -> Result<Option<(Client, Arc<ClientKeys>)>, AppError> {
    let Some(entry) = entry(state, practice_id, id).await? else { return Ok(None) };
    let Some(sealed_notes) = store::sealed_notes(&state.db, practice_id, id).await? else { return Ok(None) };
    let notes = sealed_notes.map(|sealed| entry.keys.open_text(&sealed, NOTES)).transpose()?.unwrap_or_default();
    let profile = entry.profile.clone();
    let client = Client {
        id,
        name: profile.name,
        email: profile.email,
        phone: profile.phone,
        birth_date: profile.birth_date,
        address: profile.address,
        notes,
    };
    Ok(Some((client, entry.keys.clone())))
}

/// What deleting the client would take with it: its name (a reading of client data, so
/// recorded) and how many records of each kind.
pub async fn deletion_preview(state: &AppState, user: &CurrentUser, id: ClientId) -> Result<DeletionSummary, AppError> {
    let name = name_of(state, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let counts = super::erasure::counts_in(&mut *state.db.acquire().await?, user.practice_id, id).await?;
    audit::record(&state.db, user, state.clock.now(), AuditAction::ClientRead, Some(id), None).await?;
    Ok(DeletionSummary { id, name, counts })
}

/// Deletes every client of the practice the way one is deleted by hand (keys first), each in a
/// transaction of its own, all on one line of the deletion log; how many went.
pub async fn delete_all(state: &AppState, user: &CurrentUser) -> Result<usize, AppError> {
    let ids = store::ids_of(&mut *state.db.acquire().await?, user.practice_id).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let log_id = store::log_deletion_in(&mut tx, user.practice_id, now, DeletionCause::ByHand).await?;
    tx.commit().await?;
    let mut deleted = 0;
    for id in ids {
        let mut tx = begin_write(&state.db).await?;
        if super::erasure::erase_in(&mut tx, user.practice_id, id, state.db.backend(), log_id).await?.is_some() {
            deleted += 1;
        }
        tx.commit().await?;
    }
    crate::server::db::purge_wal(&state.db).await;
    Ok(deleted)
}

/// Deletes the client by hand, the way the cleanup job does (see [`super::erasure`]), and notes
/// it in the deletion log and (without naming the client) the audit log. Then the old pages leave
/// the SQLite WAL too, so the files on disk no longer hold the client's name, key or journals.
pub async fn delete(state: &AppState, user: &CurrentUser, id: ClientId) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let log_id = store::log_deletion_in(&mut tx, user.practice_id, now, DeletionCause::ByHand).await?;
    if super::erasure::erase_in(&mut tx, user.practice_id, id, state.db.backend(), log_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    audit::record(&mut *tx, user, now, AuditAction::ClientDeleted, None, None).await?;
    tx.commit().await?;
    crate::server::db::purge_wal(&state.db).await;
    Ok(())
}
