//! Data-out rules: who may take a client's data out (the practice's own signed-in practitioner),
//! how the archive is laid out, and the record of each export in the practice's audit log.
//!
//! Layout of a client's folder: `client.pdf` (to read), `client.json` (the same, for a program),
//! `consents/<request>-<title>.pdf` (each request's copy with its trail) and
//! `files/<n>-<name>` (the files sent in messages, as sent).

use std::fs::File;

use super::archive::{Archive, safe_name};
use super::record::{self, Gathered};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ids::{ClientId, PracticeId};
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

/// Where archives are built, inside the private data directory.
fn exports_dir(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("exports")
}

/// The client's whole record as a ZIP archive (a file read from its start, with no name left on
/// disk), for the practitioner of its practice; `NotFound` for any other client. Recorded.
pub async fn client_archive(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    lang: Lang,
) -> Result<File, AppError> {
    let gathered = record::gather(state, user.practice_id, client_id, lang).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut archive = Archive::unnamed(&exports_dir(state), now).map_err(AppError::internal)?;
    write_client(state, &mut archive, "", user.practice_id, client_id, gathered, lang).await?;
    let file = archive.finish().map_err(AppError::internal)?;
    audit::record(&state.db, user, now, AuditAction::ClientExported, Some(client_id), None).await?;
    Ok(file)
}

/// Writes one client's folder under `prefix` (empty, or ending in `/`).
async fn write_client(
    state: &AppState,
    archive: &mut Archive,
    prefix: &str,
    practice_id: PracticeId,
    client_id: ClientId,
    gathered: Gathered,
    lang: Lang,
) -> Result<(), AppError> {
    let Gathered { mut record, consent_copies } = gathered;
    let mut files = Vec::new();
    for file in record.messages.iter_mut().flat_map(|message| message.files.iter_mut()) {
        file.path = format!("files/{}-{}", files.len() + 1, safe_name(&file.name));
        files.push((file.id, file.path.clone()));
    }
    let json = serde_json::to_vec_pretty(&record).map_err(AppError::internal)?;
    let io = AppError::internal;
    archive.add(&format!("{prefix}client.json"), &json).map_err(io)?;
    archive.add(&format!("{prefix}client.pdf"), &record::render(lang, &record)).map_err(io)?;
    for ((id, pdf), consent) in consent_copies.iter().zip(&record.consents) {
        archive.add(&format!("{prefix}consents/{id}-{}.pdf", safe_name(&consent.title)), pdf).map_err(io)?;
    }
    for (file_id, path) in files {
        let download = crate::messages::service::file_for_export(state, practice_id, client_id, file_id).await?;
        archive.begin(&format!("{prefix}{path}"), false).map_err(io)?;
        for seq in 0..download.chunks() {
            archive.write(&download.chunk(&state.db, seq).await?).map_err(io)?;
        }
    }
    Ok(())
}
