//! Data-out rules: who may take a client's or the whole practice's data out (the practice's own
//! signed-in practitioner; for the whole practice with the password again, through a link that
//! works once, for 24 hours, for the one who asked), how the archive is laid out, and the record
//! of each export in the practice's audit log.
//!
//! A practice's archive is built in the background, client by client into an unnamed private
//! file, then kept in the database in sealed 1 MiB pieces under a key of its own, so whichever
//! server the link reaches hands it out, and a copy of the database alone reads nothing of it.
//!
//! Layout of a client's folder: `client.pdf` (to read), `client.json` (the same, for a program),
//! `consents/<request>-<title>.pdf` (each request's copy with its trail) and
//! `files/<n>-<name>` (the files sent in messages, as sent).

use std::fs::File;

use sqlx::Row;

use super::archive::{Archive, safe_name};
use super::record::{self, Gathered};
use super::store;
use super::types::{ExportStage, ExportStatus};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::ids::{ClientId, PracticeId};
use crate::server::crypto::{Binding, DataKey, MasterKey, new_token, token_hash};
use crate::server::mail::Email as Mail;
use crate::server::password::PlainPassword;
use crate::server::resealing::MasterSealed;
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

/// How long a practice export's link works.
pub const LINK_SECS: i64 = 24 * 3600;
/// A build that has written nothing for this long has died with its server.
const DEAD_AFTER_SECS: i64 = 10 * 60;
/// The archive is kept in pieces of this size, each sealed on its own.
const PIECE_BYTES: usize = 1 << 20;

fn key_row(id: i64) -> String {
    format!("export:{id}")
}

fn key_binding(row: &str) -> Binding<'_> {
    Binding { purpose: "practice_exports.key", row }
}

fn piece_row(id: i64, seq: i64) -> String {
    format!("export:{id}/piece:{seq}")
}

fn piece_binding(row: &str) -> Binding<'_> {
    Binding { purpose: "practice_export_pieces.sealed", row }
}

/// The export keys the master key wraps, for key rotation.
pub const MASTER_SEALED: [MasterSealed; 1] = [MasterSealed {
    select: "SELECT id AS k1, '' AS k2, key_wrapped AS v FROM practice_exports",
    update: "UPDATE practice_exports SET key_wrapped = $1 WHERE id = $2",
    binding: |row| Ok(("practice_exports.key".into(), key_row(row.try_get("k1")?))),
}];

pub async fn reseal_master_sealed(tx: &mut sqlx::AnyConnection, master: &MasterKey) -> Result<u64, AppError> {
    crate::server::resealing::reseal(tx, master, &MASTER_SEALED).await
}

/// Starts building the whole practice's archive in the background, once the password is given
/// again; `Conflict` while one is being built. When it is ready, the practitioner who asked gets
/// a link by mail.
pub async fn start_practice_export(
    state: &AppState,
    user: &CurrentUser,
    password: PlainPassword,
    lang: Lang,
) -> Result<(), AppError> {
    crate::security::service::check_current_password(state, user, password, "password").await?;
    // From here on the work runs in a task of its own: a browser that leaves mid-request must not
    // leave an export noted as being built that no one builds.
    let (state, user) = (state.clone(), user.clone());
    tokio::spawn(async move {
        let key = DataKey::generate();
        let now = state.clock.now();
        let wrap = |id: i64| key.wrap(&state.master_key, key_binding(&key_row(id)));
        let id = store::start(&state.db, user.practice_id, user.user_id, wrap, now - DEAD_AFTER_SECS, now)
            .await?
            .ok_or(AppError::Conflict(Problem::ExportRunning))?;
        audit::record(&state.db, &user, now, AuditAction::PracticeExportStarted, None, None).await?;
        let build = Build { id, practice_id: user.practice_id, email: user.email.clone(), lang, key };
        tokio::spawn(async move {
            if let Err(error) = build.run(&state).await {
                tracing::error!(export = id, ?error, "a practice export failed");
                if let Err(error) = store::fail(&state.db, id).await {
                    tracing::error!(export = id, %error, "a failed practice export could not be marked");
                }
            }
        });
        Ok(())
    })
    .await
    .map_err(AppError::internal)?
}

struct Build {
    id: i64,
    practice_id: PracticeId,
    email: String,
    lang: Lang,
    key: DataKey,
}

impl Build {
    async fn run(self, state: &AppState) -> Result<(), AppError> {
        let io = AppError::internal;
        let ids = crate::clients::store::ids_of(&mut *state.db.acquire().await?, self.practice_id).await?;
        let total = ids.len() as i64;
        let mut archive = Archive::unnamed(&exports_dir(state), state.clock.now()).map_err(io)?;
        let practice = practice_record(state, self.practice_id).await?;
        let json = serde_json::to_vec_pretty(&practice).map_err(AppError::internal)?;
        archive.add("practice.json", &json).map_err(io)?;
        store::progress(&state.db, self.id, 0, total, state.clock.now()).await?;
        for (done, client_id) in ids.into_iter().enumerate() {
            // A client deleted since the list was read is left out.
            if let Some(gathered) = record::gather(state, self.practice_id, client_id, self.lang).await? {
                let prefix = format!("clients/{client_id}-{}/", safe_name(&gathered.record.client.name));
                write_client(state, &mut archive, &prefix, self.practice_id, client_id, gathered, self.lang).await?;
            }
            if !store::progress(&state.db, self.id, done as i64 + 1, total, state.clock.now()).await? {
                return Ok(());
            }
        }
        let file = archive.finish().map_err(io)?;
        let (size, pieces) = self.store_pieces(state, file).await?;
        let token = new_token();
        let now = state.clock.now();
        let finished = store::Finished {
            id: self.id,
            token_hash: &token_hash(&token),
            size,
            pieces,
            expires_at: now + LINK_SECS,
            now,
        };
        if !store::finish(&state.db, finished).await? {
            return Ok(());
        }
        let t = self.lang.texts();
        let link = format!("{}{DOWNLOAD_PATH}?token={token}", state.config.base_url);
        state.mailer.send_in_background(Mail {
            to: self.email.clone(),
            attachments: Vec::new(),
            subject: t.mail_export_ready_subject.into(),
            body: t.mail_export_ready_body.replace("{link}", &link),
        });
        Ok(())
    }

    /// Seals the archive piece by piece into the database; (bytes, pieces).
    async fn store_pieces(&self, state: &AppState, mut file: File) -> Result<(i64, i64), AppError> {
        use std::io::Read;
        let mut buffer = vec![0_u8; PIECE_BYTES];
        let (mut size, mut seq) = (0_i64, 0_i64);
        loop {
            let mut filled = 0;
            while filled < buffer.len() {
                match file.read(&mut buffer[filled..]).map_err(AppError::internal)? {
                    0 => break,
                    read => filled += read,
                }
            }
            if filled == 0 {
                return Ok((size, seq));
            }
            let sealed = self.key.seal(&buffer[..filled], piece_binding(&piece_row(self.id, seq)));
            store::add_piece(&state.db, self.id, seq, &sealed).await?;
            size += filled as i64;
            seq += 1;
        }
    }
}

/// What the practice itself holds beside its clients: its details, services, opening hours and
/// settings, and who works in it.
#[derive(serde::Serialize)]
struct PracticeRecord {
    format: &'static str,
    exported_at: String,
    time_zone: String,
    practice: crate::profile::types::PracticeDetails,
    services: Vec<crate::services::types::Service>,
    opening_hours: Vec<crate::services::types::DayHours>,
    cleanup: crate::cleanup::types::CleanupChoice,
}

async fn practice_record(state: &AppState, practice_id: PracticeId) -> Result<PracticeRecord, AppError> {
    let zone = crate::profile::store::zone_of(&state.db, practice_id).await?;
    Ok(PracticeRecord {
        format: "trygg-practice-export/1",
        exported_at: crate::local_time::instant_text(zone, state.clock.now()),
        time_zone: zone.name().to_string(),
        practice: crate::profile::store::practice(&state.db, practice_id).await?,
        services: crate::services::store::services(&state.db, practice_id).await?,
        opening_hours: crate::services::store::opening_hours(&state.db, practice_id).await?,
        cleanup: crate::cleanup::store::choice(&state.db, practice_id).await?,
    })
}

/// Where the export's link leads.
pub const DOWNLOAD_PATH: &str = "/settings/export/download";

/// The practice's newest export, as the Settings page shows it.
pub async fn practice_export_status(state: &AppState, user: &CurrentUser) -> Result<Option<ExportStatus>, AppError> {
    let Some(row) = store::newest(&state.db, user.practice_id).await? else { return Ok(None) };
    let now = state.clock.now();
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let stage = match row.status.as_str() {
        store::BUILDING if row.touched_at >= now - DEAD_AFTER_SECS => {
            ExportStage::Building { done: row.clients_done, total: row.clients_total }
        }
        store::READY if row.expires_at.is_some_and(|at| at > now) => ExportStage::Ready {
            until: crate::local_time::moment_text(zone, row.expires_at.unwrap_or_default()),
            size: row.size,
        },
        store::READY => ExportStage::Expired,
        store::TAKEN => ExportStage::Taken,
        _ => ExportStage::Failed,
    };
    Ok(Some(ExportStatus { started: crate::local_time::moment_text(zone, row.created_at), stage }))
}

/// A practice export for download: the link's export, once, for the practitioner who asked,
/// while it works. Recorded.
pub struct PracticeDownload {
    pub size: i64,
    pub pieces: std::ops::Range<i64>,
    id: i64,
    key: DataKey,
}

pub async fn take_practice_export(
    state: &AppState,
    user: &CurrentUser,
    token: &str,
) -> Result<PracticeDownload, AppError> {
    let invalid = || AppError::Rejected(Problem::InvalidLink);
    if token.is_empty() || token.len() > 100 {
        return Err(invalid());
    }
    let now = state.clock.now();
    let row = store::take(&state.db, &token_hash(token), user.user_id, now).await?.ok_or_else(invalid)?;
    let key = DataKey::unwrap(&state.master_key, &row.key_wrapped, key_binding(&key_row(row.id)))
        .map_err(|_| AppError::internal("a practice export's key did not open"))?;
    audit::record(&state.db, user, now, AuditAction::PracticeExported, None, None).await?;
    Ok(PracticeDownload { size: row.size, pieces: 0..row.pieces, id: row.id, key })
}

impl PracticeDownload {
    /// Piece `seq`, opened. A missing or altered piece is an error, never a shorter archive.
    pub async fn piece(&self, state: &AppState, seq: i64) -> Result<Vec<u8>, AppError> {
        let sealed = store::piece(&state.db, self.id, seq)
            .await?
            .ok_or_else(|| AppError::internal("a piece of a practice export is missing"))?;
        self.key
            .open(&sealed, piece_binding(&piece_row(self.id, seq)))
            .map_err(|_| AppError::internal("a piece of a practice export did not open"))
    }

    /// The pieces are deleted once the archive has gone out.
    pub async fn done(&self, state: &AppState) -> Result<(), AppError> {
        Ok(store::drop_pieces(&state.db, self.id).await?)
    }
}

/// Deletes the pieces of exports that ran out, were taken, or died. For the periodic clean-up.
pub async fn purge(state: &AppState) -> Result<u64, sqlx::Error> {
    let now = state.clock.now();
    store::purge(&state.db, now, now - DEAD_AFTER_SECS).await
}
