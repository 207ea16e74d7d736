//! Journal rules: the entry belongs to the caller's practice and client; text is sealed with the
//! client's data key before it is stored; an edit adds a version; reading and writing are
//! recorded in the practice's audit log.

use chrono_tz::Tz;

use super::store::{self, NewVersion, VersionRow};
use super::types::{Journal, JournalEntry, JournalHistory, JournalInput};
use crate::audit::store as audit;
use crate::audit::types::{AuditAction, AuditEvent};
use crate::error::{AppError, Problem};
use crate::ids::{ClientId, PracticeId};
use crate::local_time;
use crate::server::envelope::{self, ClientKeys, Field};
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

const LOG_LENGTH: i64 = 50;

pub const TITLE_FIELD: &str = "journal.title";
pub const TEXT_FIELD: &str = "journal.text";

/// The record part of a version's binding: a sealed text opens only in its own entry and version.
pub fn record(entry_id: i64, version: i64) -> String {
    format!("journal:{entry_id}/version:{version}")
}

/// The client's name, or `NotFound` when the practice has no such client.
async fn client_name(state: &AppState, user: &CurrentUser, client_id: ClientId) -> Result<String, AppError> {
    let client = crate::clients::directory::profile(&state.db, &state.master_key, user.practice_id, client_id).await?;
    client.map(|profile| profile.name).ok_or(AppError::NotFound)
}

fn open(keys: &ClientKeys, zone: Tz, row: VersionRow) -> Result<JournalEntry, AppError> {
    let record = record(row.entry_id, row.version);
    Ok(JournalEntry {
        id: row.entry_id,
        version: row.version,
        date: row.date,
        title: keys.open_text(&row.title, Field { record: &record, field: TITLE_FIELD })?,
        text: keys.open_text(&row.body, Field { record: &record, field: TEXT_FIELD })?,
        author: row.author,
        written: local_time::moment_text(zone, row.written_at),
    })
}

/// The client's journal: the newest `shown` entries (see `types::shown_entries`), newest first,
/// and whether older ones exist. Recorded as a reading.
pub async fn journal(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    shown: usize,
) -> Result<Journal, AppError> {
    client_name(state, user, client_id).await?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let mut rows = store::current(&state.db, user.practice_id, client_id, shown as i64 + 1).await?;
    let older = rows.len() > shown;
    rows.truncate(shown);
    let entries = match envelope::existing(&state.db, &state.master_key, user.practice_id, client_id).await? {
        Some(keys) => rows.into_iter().map(|row| open(&keys, zone, row)).collect::<Result<_, _>>()?,
        None if rows.is_empty() => Vec::new(),
        None => {
            tracing::error!(%client_id, "journal entries without a data key");
            return Err(AppError::Internal);
        }
    };
    audit::record(&state.db, user, state.clock.now(), AuditAction::JournalRead, Some(client_id), None).await?;
    let log = audit::for_client(&state.db, zone, user.practice_id, client_id, LOG_LENGTH).await?;
    Ok(Journal { entries, older, today: crate::dates::date_text(local_time::to_local(zone, state.clock.now()).0), log })
}

/// One entry with all its wordings, newest first. Recorded as a reading.
pub async fn history(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    entry_id: i64,
) -> Result<JournalHistory, AppError> {
    let client_name = client_name(state, user, client_id).await?;
    let rows = store::history(&state.db, user.practice_id, client_id, entry_id).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let keys =
        envelope::existing(&state.db, &state.master_key, user.practice_id, client_id).await?.ok_or_else(|| {
            tracing::error!(%client_id, "journal entries without a data key");
            AppError::Internal
        })?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let versions = rows.into_iter().map(|row| open(&keys, zone, row)).collect::<Result<_, _>>()?;
    let now = state.clock.now();
    audit::record(&state.db, user, now, AuditAction::JournalRead, Some(client_id), Some(entry_id)).await?;
    Ok(JournalHistory { client_name, versions })
}

/// A journal entry as a client's data export holds it: every wording, oldest first.
#[derive(serde::Serialize)]
pub struct EntryRecord {
    pub entry: i64,
    pub versions: Vec<VersionRecord>,
}

#[derive(serde::Serialize)]
pub struct VersionRecord {
    pub version: i64,
    pub date: String,
    pub title: String,
    pub text: String,
    pub author: String,
    pub written: String,
}

/// The client's whole journal, every version opened, for its data export (which the caller
/// records).
pub async fn records_of(
    state: &AppState,
    practice_id: PracticeId,
    client_id: ClientId,
    keys: &ClientKeys,
    zone: chrono_tz::Tz,
) -> Result<Vec<EntryRecord>, AppError> {
    let mut entries: Vec<EntryRecord> = Vec::new();
    for row in store::all_versions(&state.db, practice_id, client_id).await? {
        let record = record(row.entry_id, row.version);
        let version = VersionRecord {
            version: row.version,
            date: row.date,
            title: keys.open_text(&row.title, Field { record: &record, field: TITLE_FIELD })?,
            text: keys.open_text(&row.body, Field { record: &record, field: TEXT_FIELD })?,
            author: row.author,
            written: local_time::instant_text(zone, row.written_at),
        };
        match entries.last_mut() {
            Some(entry) if entry.entry == row.entry_id => entry.versions.push(version),
            _ => entries.push(EntryRecord { entry: row.entry_id, versions: vec![version] }),
        }
    }
    Ok(entries)
}

fn new_version<'a>(
    keys: &ClientKeys,
    user: &'a CurrentUser,
    input: &'a JournalInput,
    entry_id: i64,
    version: i64,
    now: i64,
) -> NewVersion<'a> {
    let record = record(entry_id, version);
    NewVersion {
        entry_id,
        version,
        date: &input.date,
        title: keys.seal_text(&input.title, Field { record: &record, field: TITLE_FIELD }),
        body: keys.seal_text(&input.text, Field { record: &record, field: TEXT_FIELD }),
        author_id: user.user_id,
        author: &user.name,
        written_at: now,
    }
}

pub struct RawEntry<'a> {
    pub date: &'a str,
    pub title: &'a str,
    pub text: &'a str,
}

fn parse(state: &AppState, raw: RawEntry<'_>) -> Result<JournalInput, AppError> {
    JournalInput::parse(raw.date, raw.title, raw.text, &state.clock.latest_date_anywhere())
}

/// A new entry; returns its id.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    raw: RawEntry<'_>,
) -> Result<i64, AppError> {
    let input = parse(state, raw)?;
    client_name(state, user, client_id).await?;
    let keys = envelope::for_client(&state.db, &state.master_key, user.practice_id, client_id).await?;
    let now = state.clock.now();
    let mut tx = crate::server::db::begin_write(&state.db).await?;
    let entry_id = store::insert_entry(&mut tx, user.practice_id, client_id, now).await?;
    store::insert_version(&mut tx, new_version(&keys, user, &input, entry_id, 1, now)).await?;
    audit::record(&mut *tx, user, now, AuditAction::JournalCreated, Some(client_id), Some(entry_id)).await?;
    tx.commit().await?;
    Ok(entry_id)
}

/// A new wording of an entry that was at version `base`. Refused when someone else changed it
/// since, so that no edit is lost; the earlier wordings stay.
pub async fn edit(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    entry_id: i64,
    base: i64,
    raw: RawEntry<'_>,
) -> Result<(), AppError> {
    let input = parse(state, raw)?;
    if !store::exists(&state.db, user.practice_id, client_id, entry_id).await? {
        return Err(AppError::NotFound);
    }
    let keys = envelope::for_client(&state.db, &state.master_key, user.practice_id, client_id).await?;
    let now = state.clock.now();
    let mut tx = crate::server::db::begin_write(&state.db).await?;
    if !store::advance(&mut tx, user.practice_id, client_id, entry_id, base).await? {
        return Err(AppError::Conflict(Problem::EditedMeanwhile));
    }
    store::insert_version(&mut tx, new_version(&keys, user, &input, entry_id, base + 1, now)).await?;
    audit::record(&mut *tx, user, now, AuditAction::JournalEdited, Some(client_id), Some(entry_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// The newest audit events about the client: who read or wrote its journal, and when.
pub async fn log(state: &AppState, user: &CurrentUser, client_id: ClientId) -> Result<Vec<AuditEvent>, AppError> {
    client_name(state, user, client_id).await?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    Ok(audit::for_client(&state.db, zone, user.practice_id, client_id, LOG_LENGTH).await?)
}
