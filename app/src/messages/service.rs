//! Secure-message rules.
//!
//! A practice has one conversation per client. Every body, file name and file chunk is sealed
//! with the client's data key; the associated data binds practice and client (the key's own
//! binding) and conversation, message, file, chunk number and field, so no sealed value opens
//! anywhere but in its own place, and chunks cannot be reordered or moved between files.
//!
//! The client has no account. A practitioner's message mails the client a fresh link (a random
//! 256-bit token, of which only the hash is kept) and never the content. Following the link is
//! not enough: the device proves itself with a 6-digit code mailed to the client, or with the
//! client's date of birth when the practitioner chose that, and then gets a session that reaches
//! this one conversation only. Each read and write is recorded in the practice's audit log,
//! naming the conversation and never its content.

use subtle::ConstantTimeEq;

use super::kind::FileKind;
use super::store::{self, ConversationRow, DownloadRow, FileRow, MessageRow};
use super::types::{
    Access, CODE_LIFETIME_SECS, CODE_MAILS_PER_DAY, CODE_RESEND_SECS, CODE_TRIES, ConversationSummary, FileView,
    LINK_IDLE_SECS, LINK_TRIES_PER_HOUR, LinkPage, MAX_FILES, MessageView, SESSION_IDLE_SECS, SESSION_MAX_SECS,
    SecondFactor, Thread,
};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::clients::directory::{self, Profile};
use crate::error::{AppError, FieldChecks, Problem};
use crate::i18n::Lang;
use crate::ids::{ClientId, ConversationId, FileId, MessageId, PracticeId, UserId};
use crate::local_time;
use crate::server::crypto::{new_token, token_hash};
use crate::server::db::Db;
use crate::server::envelope::{self, ClientKeys, Field};
use crate::server::mail::{ClientRecipient, Email};
use crate::server::one_time_code;
use crate::server::request::Origin;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

pub const BODY_FIELD: &str = "messages.body";
pub const FILE_NAME_FIELD: &str = "message_files.name";
pub const CHUNK_FIELD: &str = "message_files.chunk";
/// Answers a client may send in one conversation within an hour.
const ANSWERS_PER_HOUR: i64 = 30;
/// A refused message's text is kept this long for its author to send again.
const UNSENT_KEPT_SECS: i64 = 86_400;
/// Files are stored, sealed and served in pieces of at most this size.
pub const CHUNK_BYTES: usize = 256 * 1024;

const PRACTITIONER: &str = "practitioner";
const CLIENT: &str = "client";

/// A body's place, with who wrote it: a row's `author` changed in the database no longer opens.
fn message_record(conversation: ConversationId, message: MessageId, author: &str) -> String {
    format!("conversation:{conversation}/message:{message}/author:{author}")
}

/// A file name's place, with the file's type, size and number of chunks: a row shortened or
/// retyped in the database no longer opens.
fn file_record(conversation: ConversationId, message: MessageId, file: &FileShape<'_>) -> String {
    let FileShape { id, content_type, size, chunks } = file;
    format!("conversation:{conversation}/message:{message}/file:{id}/type:{content_type}/size:{size}/chunks:{chunks}")
}

/// What a file's sealed name vouches for.
struct FileShape<'a> {
    id: FileId,
    content_type: &'a str,
    size: i64,
    chunks: i64,
}

fn chunk_record(conversation: ConversationId, message: MessageId, file: FileId, seq: i64) -> String {
    format!("conversation:{conversation}/message:{message}/file:{file}/chunk:{seq}")
}

/// The client's profile, or `NotFound` when the practice has no such client.
async fn profile(state: &AppState, practice_id: PracticeId, client_id: ClientId) -> Result<Profile, AppError> {
    directory::profile(&state.db, &state.master_key, practice_id, client_id).await?.ok_or(AppError::NotFound)
}

/// The practice's conversations, newest activity first; with a query, those whose client's name
/// holds it.
pub async fn list(state: &AppState, user: &CurrentUser, query: &str) -> Result<Vec<ConversationSummary>, AppError> {
    let rows = store::list(&state.db, user.practice_id).await?;
    let clients = crate::clients::service::directory(state, user.practice_id).await?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let query = query.trim().to_lowercase();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let name = clients.get(row.client_id)?.profile.name.clone();
            name.to_lowercase().contains(&query).then(|| ConversationSummary {
                client_id: row.client_id,
                client_name: name,
                last_activity: local_time::moment_text(zone, row.last_activity_at),
                unread: row.unread,
                closed: row.closed_at.is_some(),
            })
        })
        .collect())
}

/// The conversation with a client, as the practitioner reads it: the client's messages count as
/// read from now on. Recorded as a reading.
pub async fn thread(state: &AppState, user: &CurrentUser, client_id: ClientId) -> Result<Thread, AppError> {
    let profile = profile(state, user.practice_id, client_id).await?;
    let mut thread = Thread {
        client_id,
        client_name: profile.name,
        closed: false,
        second_factor: SecondFactor::Email,
        messages: Vec::new(),
        link_live: false,
        has_email: !profile.email.is_empty(),
        has_birth_date: !profile.birth_date.is_empty(),
        unsent: String::new(),
    };
    let Some(conversation) = store::of_client(&state.db, user.practice_id, client_id).await? else {
        return Ok(thread);
    };
    let now = state.clock.now();
    thread.closed = conversation.closed_at.is_some();
    thread.second_factor = SecondFactor::from_code(&conversation.second_factor).unwrap_or_default();
    (thread.messages, thread.unsent) = opened(state, &conversation, PRACTITIONER).await?;
    thread.link_live = store::has_live_link(&state.db, conversation.id, now - LINK_IDLE_SECS).await?;
    store::mark_read(&state.db, conversation.id, CLIENT, now).await?;
    let read = AuditAction::MessagesRead;
    audit::record(&state.db, user, now, read, Some(client_id), Some(conversation.id.0)).await?;
    Ok(thread)
}

/// The sent messages of a conversation, opened, with their files, and the text of the reader's
/// (`author`'s) last refused message (empty when there is none). The client's key is unwrapped
/// once, and only when there is something to open.
async fn opened(
    state: &AppState,
    conversation: &ConversationRow,
    author: &str,
) -> Result<(Vec<MessageView>, String), AppError> {
    let rows = store::messages(&state.db, conversation.id).await?;
    let since = state.clock.now() - UNSENT_KEPT_SECS;
    let unsent = store::unsent_text(&state.db, conversation.id, author, since).await?;
    if rows.is_empty() && unsent.is_none() {
        return Ok((Vec::new(), String::new()));
    }
    let keys = envelope::existing(&state.db, &state.master_key, conversation.practice_id, conversation.client_id)
        .await?
        .ok_or_else(|| AppError::internal("messages without a data key"))?;
    let unsent = match unsent {
        Some((id, sealed)) => {
            keys.open_text(&sealed, Field { record: &message_record(conversation.id, id, author), field: BODY_FIELD })?
        }
        None => String::new(),
    };
    if rows.is_empty() {
        return Ok((Vec::new(), unsent));
    }
    let files = store::files(&state.db, conversation.id).await?;
    let zone = crate::profile::store::zone_of(&state.db, conversation.practice_id).await?;
    Ok((open_messages(&keys, conversation.id, zone, rows, files)?, unsent))
}

/// Opens message rows and their files' names (both in id order).
pub fn open_messages(
    keys: &ClientKeys,
    conversation: ConversationId,
    zone: chrono_tz::Tz,
    rows: Vec<MessageRow>,
    files: Vec<FileRow>,
) -> Result<Vec<MessageView>, AppError> {
    let mut files = files.into_iter().peekable();
    rows.into_iter()
        .map(|row| {
            let record = message_record(conversation, row.id, &row.author);
            let body = keys.open_text(&row.body_sealed, Field { record: &record, field: BODY_FIELD })?;
            let mut attached = Vec::new();
            while let Some(file) = files.next_if(|file| file.message_id <= row.id) {
                if file.message_id == row.id {
                    let shape = FileShape {
                        id: file.id,
                        content_type: &file.content_type,
                        size: file.size,
                        chunks: file.chunks,
                    };
                    let record = file_record(conversation, row.id, &shape);
                    let name = keys.open_text(&file.name_sealed, Field { record: &record, field: FILE_NAME_FIELD })?;
                    attached.push(FileView { id: file.id, name, size: file.size });
                }
            }
            Ok(MessageView {
                id: row.id,
                from_client: row.author == CLIENT,
                body,
                sent: local_time::moment_text(zone, row.sent_at),
                read: row.read_at.map(|at| local_time::moment_text(zone, at)),
                files: attached,
            })
        })
        .collect()
}

/// A message as a client's data export holds it.
#[derive(serde::Serialize)]
pub struct MessageRecord {
    /// `client` or `practitioner`.
    pub from: &'static str,
    pub sent: String,
    pub read: Option<String>,
    pub text: String,
    pub files: Vec<FileRecord>,
}

#[derive(serde::Serialize)]
pub struct FileRecord {
    #[serde(skip)]
    pub id: FileId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Where the export puts the file itself (set by the export).
    pub path: String,
}

/// The client's sent messages with their files' names, for its data export (which the caller
/// records); the files themselves through [`file_for_export`].
pub async fn records_of(
    state: &AppState,
    practice_id: PracticeId,
    client_id: ClientId,
    keys: &ClientKeys,
    zone: chrono_tz::Tz,
) -> Result<Vec<MessageRecord>, AppError> {
    let Some(conversation) = store::of_client(&state.db, practice_id, client_id).await? else {
        return Ok(Vec::new());
    };
    let rows = store::messages(&state.db, conversation.id).await?;
    let files = store::files(&state.db, conversation.id).await?;
    let types: std::collections::HashMap<FileId, String> =
        files.iter().map(|file| (file.id, file.content_type.clone())).collect();
    let sent: std::collections::HashMap<MessageId, (i64, Option<i64>)> =
        rows.iter().map(|row| (row.id, (row.sent_at, row.read_at))).collect();
    let views = open_messages(keys, conversation.id, zone, rows, files)?;
    Ok(views
        .into_iter()
        .map(|view| {
            let (sent_at, read_at) = sent.get(&view.id).copied().unwrap_or_default();
            MessageRecord {
                from: if view.from_client { CLIENT } else { PRACTITIONER },
                sent: local_time::instant_text(zone, sent_at),
                read: read_at.map(|at| local_time::instant_text(zone, at)),
                text: view.body,
                files: view
                    .files
                    .into_iter()
                    .map(|file| FileRecord {
                        content_type: types.get(&file.id).cloned().unwrap_or_default(),
                        id: file.id,
                        name: file.name,
                        size: file.size,
                        path: String::new(),
                    })
                    .collect(),
            }
        })
        .collect())
}

/// A file of the client's conversation, for its data export (which the caller records).
pub async fn file_for_export(
    state: &AppState,
    practice_id: PracticeId,
    client_id: ClientId,
    file_id: FileId,
) -> Result<Download, AppError> {
    let row = store::download(&state.db, file_id).await?;
    let row = row.filter(|row| row.practice_id == practice_id && row.client_id == client_id);
    open_download(state, row.ok_or(AppError::NotFound)?).await
}

/// Closes the conversation (the client can still read it, but not answer), or opens it again.
pub async fn set_closed(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    closed: bool,
) -> Result<(), AppError> {
    profile(state, user.practice_id, client_id).await?;
    let conversation = store::of_client(&state.db, user.practice_id, client_id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    store::set_closed(&state.db, user.practice_id, conversation.id, closed.then_some(now)).await?;
    let action = if closed { AuditAction::ConversationClosed } else { AuditAction::ConversationReopened };
    audit::record(&state.db, user, now, action, Some(client_id), Some(conversation.id.0)).await?;
    Ok(())
}

/// Every link the client was sent stops working, and every device verified through one is
/// signed out. The next message sends a fresh link.
pub async fn revoke_links(state: &AppState, user: &CurrentUser, client_id: ClientId) -> Result<(), AppError> {
    profile(state, user.practice_id, client_id).await?;
    let conversation = store::of_client(&state.db, user.practice_id, client_id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    store::revoke_links(&state.db, conversation.id, now).await?;
    let action = AuditAction::MessageLinksRevoked;
    audit::record(&state.db, user, now, action, Some(client_id), Some(conversation.id.0)).await?;
    Ok(())
}

/// A message being written: begun in the database so its files can stream in, and seen by
/// nobody until `send_*` sends it. When the form is refused, `refuse` keeps what was typed.
pub struct Draft {
    conversation: ConversationRow,
    message_id: MessageId,
    /// `practitioner` or `client`.
    author: &'static str,
    keys: ClientKeys,
    files: usize,
}

/// A file of a draft, arriving chunk by chunk.
pub struct FileWriter {
    file_id: FileId,
    kind: FileKind,
    seq: i64,
    size: i64,
}

impl Draft {
    async fn begin(state: &AppState, conversation: ConversationRow, author: Option<UserId>) -> Result<Self, AppError> {
        let keys = envelope::for_client(&state.db, &state.master_key, conversation.practice_id, conversation.client_id)
            .await?;
        let message_id = store::begin_message(&state.db, conversation.id, author, state.clock.now()).await?;
        let author = if author.is_some() { PRACTITIONER } else { CLIENT };
        Ok(Self { conversation, message_id, author, keys, files: 0 })
    }

    /// A new file of `kind`; `TooManyFiles` past `MAX_FILES`.
    pub async fn begin_file(&mut self, db: &Db, kind: FileKind) -> Result<FileWriter, AppError> {
        if self.files >= MAX_FILES {
            return Err(AppError::field("files", Problem::TooManyFiles { max: MAX_FILES }));
        }
        self.files += 1;
        let file_id = store::begin_file(db, self.message_id, kind.content_type()).await?;
        Ok(FileWriter { file_id, kind, seq: 0, size: 0 })
    }

    /// Seals and stores the next chunk (at most `CHUNK_BYTES`) of a file.
    pub async fn write(&self, db: &Db, file: &mut FileWriter, chunk: &[u8]) -> Result<(), AppError> {
        let record = chunk_record(self.conversation.id, self.message_id, file.file_id, file.seq);
        let sealed = self.keys.seal(chunk, Field { record: &record, field: CHUNK_FIELD });
        store::add_chunk(db, file.file_id, file.seq, &sealed).await?;
        file.seq += 1;
        file.size += chunk.len() as i64;
        Ok(())
    }

    /// The file's last chunk is in: its name (as the sender's device called it, with the
    /// extension of what it is) is sealed, vouching for its type, size and chunks.
    pub async fn finish_file(&self, db: &Db, file: FileWriter, name: &str) -> Result<(), AppError> {
        let shape =
            FileShape { id: file.file_id, content_type: file.kind.content_type(), size: file.size, chunks: file.seq };
        let record = file_record(self.conversation.id, self.message_id, &shape);
        let name = file_name(name, file.kind);
        let sealed = self.keys.seal_text(&name, Field { record: &record, field: FILE_NAME_FIELD });
        store::finish_file(db, file.file_id, &sealed, file.size, file.seq).await?;
        Ok(())
    }

    /// The form was refused: its files go, and the typed text (sealed) is kept for a day, so that
    /// the page can offer it again; with no text, the message goes too.
    pub async fn refuse(self, db: &Db, typed: &str) {
        let kept = if typed.trim().is_empty() {
            store::drop_unsent(db, self.message_id).await
        } else {
            let record = message_record(self.conversation.id, self.message_id, self.author);
            let sealed = self.keys.seal_text(typed, Field { record: &record, field: BODY_FIELD });
            store::keep_unsent_text(db, self.message_id, &sealed).await
        };
        if let Err(error) = kept {
            tracing::error!(%error, "a refused message could not be put aside; the purge will drop it");
        }
    }

    /// Seals the body and sends the message: its files become visible with it.
    async fn send(
        &self,
        state: &AppState,
        body: &str,
        factor: Option<SecondFactor>,
    ) -> Result<Option<String>, AppError> {
        let now = state.clock.now();
        let record = message_record(self.conversation.id, self.message_id, self.author);
        let sealed = self.keys.seal_text(body, Field { record: &record, field: BODY_FIELD });
        let mut tx = crate::server::db::begin_write(&state.db).await?;
        // Closed while the files were arriving: the message is refused as at its start.
        if store::is_closed_in(&mut tx, self.conversation.id).await? {
            return Err(AppError::Conflict(Problem::ConversationClosed));
        }
        let factor = factor.map(SecondFactor::code);
        if !store::send(&mut tx, self.conversation.id, self.message_id, &sealed, factor, now).await? {
            return Err(AppError::NotFound);
        }
        // A practitioner's message carries a fresh link to the client.
        let token = match factor {
            Some(_) => {
                let token = new_token();
                store::new_link(&mut tx, self.conversation.id, &token_hash(&token), now).await?;
                Some(token)
            }
            None => None,
        };
        tx.commit().await?;
        Ok(token)
    }
}

/// A file's name as stored: the last path part, without control characters or the invisible
/// ones that turn text around (`rapport\u{202e}fdp.js` shows as "rapportsj.pdf"), at most 200
/// characters, and ending in the extension of what the file is: whatever a sender calls a text,
/// it is saved as `.txt`, never `.js` or `.html`.
fn file_name(raw: &str, kind: FileKind) -> String {
    let invisible = |c: &char| matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}' | '\u{feff}');
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control() && !invisible(c)).take(190).collect();
    let stem = match cleaned.trim().rsplit_once('.') {
        Some((stem, _)) => stem.trim_end_matches('.').trim().to_string(),
        None => cleaned.trim().to_string(),
    };
    let stem = if stem.is_empty() { "file" } else { stem.as_str() };
    format!("{stem}.{}", kind.extension())
}

/// A practitioner's message to a client, begun. The client needs an email address, for the
/// notice; a closed conversation takes no messages until it is opened again.
pub async fn begin_message(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
) -> Result<(Draft, Profile), AppError> {
    let profile = profile(state, user.practice_id, client_id).await?;
    if profile.email.is_empty() {
        return Err(AppError::Rejected(Problem::ClientHasNoEmail));
    }
    let conversation =
        store::ensure(&state.db, user.practice_id, client_id, state.clock.now()).await?.ok_or(AppError::NotFound)?;
    if conversation.closed_at.is_some() {
        return Err(AppError::Conflict(Problem::ConversationClosed));
    }
    Ok((Draft::begin(state, conversation, Some(user.user_id)).await?, profile))
}

/// What the practitioner typed beside the files.
pub struct Typed<'a> {
    pub body: &'a str,
    /// `email` or `birth_date`; the conversation's current choice when absent.
    pub second_factor: Option<&'a str>,
}

/// Sends the practitioner's message and mails the client a link (never the content). Refused
/// input drops the draft and its files.
pub async fn send_message(
    state: &AppState,
    user: &CurrentUser,
    (draft, profile): (Draft, Profile),
    typed: Typed<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let mut checks = FieldChecks::default();
    let body = match super::types::body(typed.body) {
        Ok(body) if body.is_empty() && draft.files == 0 => Err(Problem::Required),
        parsed => parsed,
    };
    let body = checks.check("body", body);
    let current = SecondFactor::from_code(&draft.conversation.second_factor).unwrap_or_default();
    let factor = match typed.second_factor {
        None | Some("") => Ok(current),
        Some(code) => SecondFactor::from_code(code).ok_or(Problem::NotAllowedValue),
    };
    let factor = checks.check("second_factor", factor.map(Some)).unwrap_or(current);
    if factor == SecondFactor::BirthDate && profile.birth_date.is_empty() {
        checks.check::<()>("second_factor", Err(Problem::ClientHasNoBirthDate));
    }
    if let Err(error) = checks.finish(()) {
        draft.refuse(&state.db, typed.body).await;
        return Err(error);
    }
    // Read before sending: once sent, a failure here would report a sent message as failed.
    let practice = crate::profile::store::practice(&state.db, draft.conversation.practice_id).await?.name;
    let token = match draft.send(state, &body, Some(factor)).await {
        Ok(token) => token.ok_or(AppError::Internal)?,
        Err(error) => {
            draft.refuse(&state.db, typed.body).await;
            return Err(error);
        }
    };
    let conversation = &draft.conversation;
    let t = lang.texts();
    let link = format!("{}/secure-message?token={token}", state.config.base_url);
    state.mailer.send_to_client_in_background(
        ClientRecipient { practice_id: conversation.practice_id, client_id: conversation.client_id },
        Email {
            to: profile.email,
            subject: t.mail_message_subject.replace("{practice}", &practice),
            body: t.mail_message_body.replace("{practice}", &practice).replace("{link}", &link),
            attachments: Vec::new(),
        },
    );
    let now = state.clock.now();
    let sent = AuditAction::MessageSent;
    audit::record(&state.db, user, now, sent, Some(conversation.client_id), Some(conversation.id.0)).await?;
    Ok(())
}

/// A verified client device: its session, and the conversation it reaches.
pub struct ClientSession {
    pub session_id: i64,
    pub conversation: ConversationRow,
}

/// The client's answer, begun. A closed conversation takes none.
/// At most `ANSWERS_PER_HOUR` a conversation: a verified session cannot fill the practice's
/// storage (each answer may carry 5 × 10 MB).
pub async fn begin_reply(state: &AppState, session: ClientSession) -> Result<Draft, AppError> {
    if session.conversation.closed_at.is_some() {
        return Err(AppError::Conflict(Problem::ConversationClosed));
    }
    let scope = format!("message_answers:{}", session.conversation.id);
    if let Err(wait) = state.throttle.admit_scope(&scope, ANSWERS_PER_HOUR, 3600).await? {
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    Draft::begin(state, session.conversation, None).await
}

/// Sends the client's answer, and tells the practice's practitioners by mail that one came (not
/// who wrote it, nor what): once, when it is the only unread one, so a run of answers makes one
/// mail until the practitioner has read them.
pub async fn send_reply(state: &AppState, draft: Draft, typed: &str, lang: Lang) -> Result<(), AppError> {
    let body = match super::types::body(typed) {
        Ok(body) if body.is_empty() && draft.files == 0 => Err(AppError::field("body", Problem::Required)),
        Ok(body) => Ok(body),
        Err(problem) => Err(AppError::field("body", problem)),
    };
    let sent = match body {
        Ok(body) => draft.send(state, &body, None).await,
        Err(error) => Err(error),
    };
    if let Err(error) = sent {
        draft.refuse(&state.db, typed).await;
        return Err(error);
    }
    let conversation = &draft.conversation;
    let t = lang.texts();
    let unread = store::unread_from_client(&state.db, conversation.id).await?;
    let to = if unread == 1 {
        crate::auth::store::practitioner_emails(&state.db, conversation.practice_id).await?
    } else {
        Vec::new()
    };
    for to in to {
        state.mailer.send_in_background(Email {
            to,
            subject: t.mail_message_reply_subject.into(),
            body: t.mail_message_reply_body.replace("{link}", &format!("{}/messages", state.config.base_url)),
            attachments: Vec::new(),
        });
    }
    let replied = AuditAction::MessageReplied;
    let now = state.clock.now();
    audit::record_by_client(
        &state.db,
        conversation.practice_id,
        now,
        replied,
        conversation.client_id,
        Some(conversation.id.0),
    )
    .await?;
    Ok(())
}

/// The link's row and conversation, while it works: not revoked, and used within 30 days.
/// Anything else answers `InvalidLink`, whatever the reason.
async fn live_link(state: &AppState, token: &str) -> Result<(store::LinkRow, ConversationRow), AppError> {
    let invalid = || AppError::Rejected(Problem::InvalidLink);
    if token.is_empty() {
        return Err(invalid());
    }
    let link = store::link(&state.db, &token_hash(token)).await?.ok_or_else(invalid)?;
    live_conversation(state, link).await?.ok_or_else(invalid)
}

async fn live_conversation(
    state: &AppState,
    link: store::LinkRow,
) -> Result<Option<(store::LinkRow, ConversationRow)>, AppError> {
    if link.revoked_at.is_some() || link.last_used_at + LINK_IDLE_SECS <= state.clock.now() {
        return Ok(None);
    }
    let conversation = store::by_id(&state.db, link.conversation_id).await?;
    Ok(conversation.map(|conversation| (link, conversation)))
}

/// The session a client device holds, while it lasts: 30 minutes without use, 12 hours in all,
/// and only while the link it was opened through works. Each use keeps it (and the link) alive.
pub async fn client_session(state: &AppState, token: Option<&str>) -> Result<Option<ClientSession>, AppError> {
    let Some(token) = token.filter(|token| !token.is_empty()) else {
        return Ok(None);
    };
    let Some(session) = store::session(&state.db, &token_hash(token)).await? else {
        return Ok(None);
    };
    let now = state.clock.now();
    if session.last_seen_at + SESSION_IDLE_SECS <= now || session.created_at + SESSION_MAX_SECS <= now {
        store::end_session(&state.db, session.id).await?;
        return Ok(None);
    }
    let Some(link) = store::link_by_id(&state.db, session.link_id).await? else {
        return Ok(None);
    };
    let link_id = link.id;
    let Some((_, conversation)) = live_conversation(state, link).await? else {
        return Ok(None);
    };
    store::touch_session(&state.db, session.id, now).await?;
    store::use_link(&state.db, link_id, now).await?;
    Ok(Some(ClientSession { session_id: session.id, conversation }))
}

/// What the client's link shows: the conversation to a device verified for it, else the step
/// that verifies one. Showing the step changes nothing (mail scanners fetch links).
pub async fn link_page(state: &AppState, token: &str, session: Option<&str>) -> Result<LinkPage, AppError> {
    let (_, conversation) = live_link(state, token).await?;
    let practice = crate::profile::store::practice(&state.db, conversation.practice_id).await?.name;
    let session = client_session(state, session).await?.filter(|s| s.conversation.id == conversation.id);
    let Some(session) = session else {
        let factor = SecondFactor::from_code(&conversation.second_factor).unwrap_or_default();
        return Ok(LinkPage { practice, access: Access::Verify(factor), recheck: false });
    };
    let conversation = session.conversation;
    let (messages, unsent) = opened(state, &conversation, CLIENT).await?;
    let now = state.clock.now();
    store::mark_read(&state.db, conversation.id, PRACTITIONER, now).await?;
    let read = AuditAction::MessagesReadByClient;
    audit::record_by_client(
        &state.db,
        conversation.practice_id,
        now,
        read,
        conversation.client_id,
        Some(conversation.id.0),
    )
    .await?;
    let access = Access::Open { closed: conversation.closed_at.is_some(), messages, unsent };
    Ok(LinkPage { practice, access, recheck: false })
}

/// What a message link's codes are MACed for (`server::one_time_code`).
const CODE_PURPOSE: &str = "message-code";

/// Mails a new one-time code to the client's address (the one the practice has now); earlier
/// codes of the link stop working. At most one a minute and `CODE_MAILS_PER_DAY` a day per link,
/// and the mail-sending limit per network.
pub async fn send_code(state: &AppState, token: &str, origin: &Origin<'_>, lang: Lang) -> Result<(), AppError> {
    let (link, conversation) = live_link(state, token).await?;
    if SecondFactor::from_code(&conversation.second_factor) != Some(SecondFactor::Email) {
        return Err(AppError::Rejected(Problem::NotAllowedValue));
    }
    let client = profile(state, conversation.practice_id, conversation.client_id).await?;
    if client.email.is_empty() {
        return Err(AppError::Rejected(Problem::ConsentNoAddress));
    }
    if let Err(wait) = state.throttle.admit_mail_request("message_code", origin.ip).await? {
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    let now = state.clock.now();
    let code = one_time_code::new_code();
    let hash = one_time_code::stored(token, CODE_PURPOSE, link.id, &code);
    let day_ago = now - 86_400;
    // Written before counted, so each of several parallel requests sees those before it.
    let id = store::insert_code(&state.db, link.id, &hash, now, now + CODE_LIFETIME_SECS, day_ago).await?;
    let before = store::codes_before(&state.db, link.id, id, day_ago).await?;
    if let Some(wait) = one_time_code::wait_before_next(&before, now, CODE_RESEND_SECS, CODE_MAILS_PER_DAY) {
        store::delete_code(&state.db, id).await?;
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    let practice = crate::profile::store::practice(&state.db, conversation.practice_id).await?.name;
    let t = lang.texts();
    state.mailer.send_to_client_in_background(
        ClientRecipient { practice_id: conversation.practice_id, client_id: conversation.client_id },
        Email {
            to: client.email,
            subject: t.mail_message_code_subject.into(),
            body: t.mail_message_code_body.replace("{practice}", &practice).replace("{code}", &code),
            attachments: Vec::new(),
        },
    );
    let sent = AuditAction::MessageCodeSent;
    audit::record_by_client(
        &state.db,
        conversation.practice_id,
        now,
        sent,
        conversation.client_id,
        Some(conversation.id.0),
    )
    .await?;
    Ok(())
}

/// Checks the device's answer (the mailed code, or the date of birth) and on success returns the
/// token of a new conversation session. Every try counts against the network and against the
/// link (`LINK_TRIES_PER_HOUR`) before it is compared; a code also has its own `CODE_TRIES`.
pub async fn verify(state: &AppState, token: &str, answer: &str, origin: &Origin<'_>) -> Result<String, AppError> {
    let (link, conversation) = live_link(state, token).await?;
    let factor = SecondFactor::from_code(&conversation.second_factor).unwrap_or_default();
    // A malformed answer is no try.
    let answer = match factor {
        SecondFactor::Email => crate::fields::one_time_code(answer).map_err(|p| AppError::field("code", p))?,
        SecondFactor::BirthDate => crate::dates::parse_date(answer.trim())
            .map(crate::dates::date_text)
            .ok_or_else(|| AppError::field("birth_date", Problem::InvalidDate))?,
    };
    let network = match state.throttle.admit_code(origin.ip).await? {
        Ok(admitted) => admitted,
        Err(wait) => return Err(AppError::RateLimited { retry_after_secs: wait }),
    };
    // Counted per conversation: every message mails a new link, and each must not bring tries of
    // its own.
    let scope = format!("message_conversation:{}", conversation.id);
    let per_link = match state.throttle.admit_scope(&scope, LINK_TRIES_PER_HOUR, 3600).await? {
        Ok(admitted) => admitted,
        Err(wait) => return Err(AppError::RateLimited { retry_after_secs: wait }),
    };
    match factor {
        SecondFactor::Email => check_code(state, token, link.id, &answer).await?,
        SecondFactor::BirthDate => {
            let client = profile(state, conversation.practice_id, conversation.client_id).await?;
            let matches =
                !client.birth_date.is_empty() && bool::from(client.birth_date.as_bytes().ct_eq(answer.as_bytes()));
            if !matches {
                return Err(AppError::field("birth_date", Problem::BirthDateWrong));
            }
        }
    }
    state.throttle.forgive(network).await?;
    state.throttle.forgive(per_link).await?;
    let now = state.clock.now();
    let session = new_token();
    store::new_session(&state.db, link.id, &token_hash(&session), now).await?;
    store::use_link(&state.db, link.id, now).await?;
    let verified = AuditAction::MessageDeviceVerified;
    audit::record_by_client(
        &state.db,
        conversation.practice_id,
        now,
        verified,
        conversation.client_id,
        Some(conversation.id.0),
    )
    .await?;
    Ok(session)
}

/// Checks and spends the link's newest code. Each try is counted before the comparison, which
/// takes constant time; after `CODE_TRIES` tries, or `CODE_LIFETIME_SECS`, a new code is needed.
async fn check_code(state: &AppState, token: &str, link_id: i64, code: &str) -> Result<(), AppError> {
    let spent = || AppError::field("code", Problem::ConsentCodeSpent);
    let live = store::newest_code(&state.db, link_id).await?.ok_or_else(spent)?;
    let now = state.clock.now();
    if !store::take_try(&state.db, live.id, CODE_TRIES, now).await? {
        return Err(spent());
    }
    if !one_time_code::matches(token, CODE_PURPOSE, link_id, code, &live.code_hash) {
        return Err(AppError::field("code", Problem::ConsentCodeWrong));
    }
    if !store::use_code(&state.db, live.id, now).await? {
        return Err(spent());
    }
    Ok(())
}

/// Signs the device out of the conversation.
pub async fn end_session(state: &AppState, session: ClientSession) -> Result<(), AppError> {
    store::end_session(&state.db, session.session_id).await?;
    Ok(())
}

/// A file, opened for one download: its name, type and size, and its chunks one at a time.
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    row: DownloadRow,
    keys: ClientKeys,
}

impl Download {
    pub fn chunks(&self) -> i64 {
        self.row.chunks
    }

    /// Chunk `seq`, opened. A missing or altered chunk is an error, never a shorter file.
    pub async fn chunk(&self, db: &Db, seq: i64) -> Result<Vec<u8>, AppError> {
        let row = &self.row;
        let sealed =
            store::chunk(db, row.id, seq).await?.ok_or_else(|| AppError::internal("a file chunk is missing"))?;
        let record = chunk_record(row.conversation_id, row.message_id, row.id, seq);
        self.keys.open(&sealed, Field { record: &record, field: CHUNK_FIELD }).map_err(|_| {
            tracing::error!(file_id = %row.id, seq, "a file chunk did not decrypt");
            AppError::Internal
        })
    }
}

async fn open_download(state: &AppState, row: DownloadRow) -> Result<Download, AppError> {
    let keys = envelope::existing(&state.db, &state.master_key, row.practice_id, row.client_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let shape = FileShape { id: row.id, content_type: &row.content_type, size: row.size, chunks: row.chunks };
    let record = file_record(row.conversation_id, row.message_id, &shape);
    let name = keys.open_text(&row.name_sealed, Field { record: &record, field: FILE_NAME_FIELD })?;
    Ok(Download { name, content_type: row.content_type.clone(), size: row.size, row, keys })
}

/// A file of one of the practice's conversations, for the practitioner. Recorded.
pub async fn download_for_user(state: &AppState, user: &CurrentUser, file_id: FileId) -> Result<Download, AppError> {
    let row = store::download(&state.db, file_id).await?.filter(|row| row.practice_id == user.practice_id);
    let row = row.ok_or(AppError::NotFound)?;
    let (client_id, conversation) = (row.client_id, row.conversation_id);
    let download = open_download(state, row).await?;
    let action = AuditAction::MessageFileDownloaded;
    audit::record(&state.db, user, state.clock.now(), action, Some(client_id), Some(conversation.0)).await?;
    Ok(download)
}

/// A file of the session's own conversation, for the client. Recorded.
pub async fn download_for_client(
    state: &AppState,
    session: &ClientSession,
    file_id: FileId,
) -> Result<Download, AppError> {
    let conversation = &session.conversation;
    let row = store::download(&state.db, file_id).await?.filter(|row| row.conversation_id == conversation.id);
    let download = open_download(state, row.ok_or(AppError::NotFound)?).await?;
    let action = AuditAction::MessageFileByLink;
    let now = state.clock.now();
    audit::record_by_client(
        &state.db,
        conversation.practice_id,
        now,
        action,
        conversation.client_id,
        Some(conversation.id.0),
    )
    .await?;
    Ok(download)
}

/// Deletes sessions past their limits, links dead for 30 days, and unsent messages (uploads cut
/// off, refused texts) of a day ago.
pub async fn purge(state: &AppState) -> Result<u64, sqlx::Error> {
    let now = state.clock.now();
    store::purge(&state.db, now - SESSION_IDLE_SECS, now - SESSION_MAX_SECS, now - 2 * LINK_IDLE_SECS, now - 86_400)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_last_part_and_end_as_what_they_are() {
        assert_eq!(file_name("C:\\Users\\kari\\Bilder\\skann.PDF", FileKind::Pdf), "skann.pdf");
        assert_eq!(file_name("../../etc/passwd", FileKind::Text), "passwd.txt");
        assert_eq!(file_name("Timeliste.js", FileKind::Text), "Timeliste.txt");
        assert_eq!(file_name("side.html", FileKind::Text), "side.txt");
        assert_eq!(file_name("rapport\u{0}\u{202e}fdp.js", FileKind::Text), "rapportfdp.txt");
        assert_eq!(file_name("IMG_0001.HEIC", FileKind::Png), "IMG_0001.png");
        assert_eq!(file_name("..", FileKind::Pdf), "file.pdf");
        assert_eq!(file_name("", FileKind::Jpeg), "file.jpg");
        assert_eq!(file_name("brev.v2.docx", FileKind::Docx), "brev.v2.docx");
        assert_eq!(file_name(&"a".repeat(300), FileKind::Text).chars().count(), 194);
    }

    #[test]
    fn a_shortened_or_retyped_file_or_a_changed_author_no_longer_opens() {
        let keys = ClientKeys::for_tests(1, 2);
        let (conversation, message) = (ConversationId(3), MessageId(4));
        let shape = |content_type, size, chunks| FileShape { id: FileId(5), content_type, size, chunks };
        let record = file_record(conversation, message, &shape("application/pdf", 600_000, 3));
        let sealed = keys.seal_text("a.pdf", Field { record: &record, field: FILE_NAME_FIELD });
        assert!(keys.open(&sealed, Field { record: &record, field: FILE_NAME_FIELD }).is_ok());
        for other in
            [shape("application/pdf", 600_000, 2), shape("text/html", 600_000, 3), shape("application/pdf", 1, 3)]
        {
            let record = file_record(conversation, message, &other);
            assert!(keys.open(&sealed, Field { record: &record, field: FILE_NAME_FIELD }).is_err(), "{record}");
        }
        let record = message_record(conversation, message, CLIENT);
        let body = keys.seal_text("Hei", Field { record: &record, field: BODY_FIELD });
        let moved = message_record(conversation, message, PRACTITIONER);
        assert!(keys.open(&body, Field { record: &moved, field: BODY_FIELD }).is_err());
    }

    #[test]
    fn sealed_parts_are_bound_to_their_place() {
        let keys = ClientKeys::for_tests(1, 2);
        let (conversation, message, file) = (ConversationId(3), MessageId(4), FileId(5));
        let record = chunk_record(conversation, message, file, 0);
        let sealed = keys.seal(b"chunk", Field { record: &record, field: CHUNK_FIELD });
        assert_eq!(keys.open(&sealed, Field { record: &record, field: CHUNK_FIELD }).ok(), Some(b"chunk".to_vec()));
        for other in [
            chunk_record(conversation, message, file, 1),
            chunk_record(conversation, message, FileId(6), 0),
            chunk_record(conversation, MessageId(7), file, 0),
            chunk_record(ConversationId(8), message, file, 0),
        ] {
            assert!(keys.open(&sealed, Field { record: &other, field: CHUNK_FIELD }).is_err(), "{other}");
        }
        assert!(keys.open(&sealed, Field { record: &record, field: BODY_FIELD }).is_err());
    }
}
