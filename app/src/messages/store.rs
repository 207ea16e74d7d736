//! SQL for conversations, messages, their files, links, codes and client sessions. Every query
//! that starts from something the caller names is scoped by practice, or reaches its row through
//! a link or session the caller proved.

use sqlx::AnyConnection;

use crate::ids::{ClientId, ConversationId, FileId, MessageId, PracticeId, UserId};
use crate::server::db::Db;

#[derive(sqlx::FromRow)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub practice_id: PracticeId,
    pub client_id: ClientId,
    pub closed_at: Option<i64>,
    pub second_factor: String,
}

const CONVERSATION: &str = "SELECT id, practice_id, client_id, closed_at, second_factor FROM conversations";

pub async fn of_client(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<Option<ConversationRow>, sqlx::Error> {
    sqlx::query_as(&format!("{CONVERSATION} WHERE practice_id = $1 AND client_id = $2"))
        .bind(practice_id)
        .bind(client_id)
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: &Db, id: ConversationId) -> Result<Option<ConversationRow>, sqlx::Error> {
    sqlx::query_as(&format!("{CONVERSATION} WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// The client's conversation, begun when it has none. Only a client of the practice gets one.
pub async fn ensure(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
    now: i64,
) -> Result<Option<ConversationRow>, sqlx::Error> {
    sqlx::query(
        "INSERT INTO conversations (practice_id, client_id, last_activity_at)
         SELECT practice_id, id, $3 FROM clients WHERE id = $2 AND practice_id = $1
         ON CONFLICT (client_id) DO NOTHING",
    )
    .bind(practice_id)
    .bind(client_id)
    .bind(now)
    .execute(db)
    .await?;
    of_client(db, practice_id, client_id).await
}

/// A conversation in the practice's list.
#[derive(sqlx::FromRow)]
pub struct SummaryRow {
    pub client_id: ClientId,
    pub last_activity_at: i64,
    pub closed_at: Option<i64>,
    pub unread: i64,
}

/// The practice's conversations that hold a message, newest activity first.
pub async fn list(db: &Db, practice_id: PracticeId) -> Result<Vec<SummaryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.client_id, c.last_activity_at, c.closed_at,
                (SELECT COUNT(*) FROM messages m
                 WHERE m.conversation_id = c.id AND m.author = 'client'
                   AND m.sent_at IS NOT NULL AND m.read_at IS NULL) AS unread
         FROM conversations c
         WHERE c.practice_id = $1
           AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sent_at IS NOT NULL)
         ORDER BY c.last_activity_at DESC, c.id DESC",
    )
    .bind(practice_id)
    .fetch_all(db)
    .await
}

pub async fn set_closed(
    db: &Db,
    practice_id: PracticeId,
    id: ConversationId,
    closed_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE conversations SET closed_at = $1 WHERE id = $2 AND practice_id = $3")
        .bind(closed_at)
        .bind(id)
        .bind(practice_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A message begun: its files arrive before it is sent, and until then nobody sees it.
pub async fn begin_message(
    db: &Db,
    conversation_id: ConversationId,
    author: Option<UserId>,
    now: i64,
) -> Result<MessageId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, author, author_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(conversation_id)
    .bind(if author.is_some() { "practitioner" } else { "client" })
    .bind(author)
    .bind(now)
    .fetch_one(db)
    .await
}

/// Drops a message that was never sent, with its files.
pub async fn drop_unsent(db: &Db, id: MessageId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM messages WHERE id = $1 AND sent_at IS NULL").bind(id).execute(db).await?;
    Ok(())
}

/// Keeps the text of a refused message (sealed) for its author to send again, and drops its files.
pub async fn keep_unsent_text(db: &Db, id: MessageId, body_sealed: &[u8]) -> Result<(), sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    sqlx::query("DELETE FROM message_files WHERE message_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("UPDATE messages SET body_sealed = $1 WHERE id = $2 AND sent_at IS NULL")
        .bind(body_sealed)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The newest text `author` wrote in the conversation since `since` that was refused and not yet
/// sent again.
pub async fn unsent_text(
    db: &Db,
    conversation_id: ConversationId,
    author: &str,
    since: i64,
) -> Result<Option<(MessageId, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, body_sealed FROM messages
         WHERE conversation_id = $1 AND author = $2 AND sent_at IS NULL AND body_sealed IS NOT NULL
           AND created_at > $3
         ORDER BY id DESC LIMIT 1",
    )
    .bind(conversation_id)
    .bind(author)
    .bind(since)
    .fetch_optional(db)
    .await
}

/// Whether the conversation is closed now (read inside the sending transaction).
pub async fn is_closed_in(conn: &mut AnyConnection, id: ConversationId) -> Result<bool, sqlx::Error> {
    let closed: Option<i64> =
        sqlx::query_scalar("SELECT closed_at FROM conversations WHERE id = $1").bind(id).fetch_one(conn).await?;
    Ok(closed.is_some())
}

/// Sends a begun message; the second factor is set with a practitioner's message.
pub async fn send(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    id: MessageId,
    body_sealed: &[u8],
    second_factor: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let sent = sqlx::query(
        "UPDATE messages SET body_sealed = $1, sent_at = $2 WHERE id = $3 AND conversation_id = $4 AND sent_at IS NULL",
    )
    .bind(body_sealed)
    .bind(now)
    .bind(id)
    .bind(conversation_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // The author's refused texts are done with once a message of theirs goes.
    sqlx::query(
        "DELETE FROM messages WHERE conversation_id = $1 AND sent_at IS NULL AND body_sealed IS NOT NULL
           AND author = (SELECT author FROM messages WHERE id = $2)",
    )
    .bind(conversation_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE conversations SET last_activity_at = $1, second_factor = COALESCE($2, second_factor) WHERE id = $3",
    )
    .bind(now)
    .bind(second_factor)
    .bind(conversation_id)
    .execute(&mut *conn)
    .await?;
    Ok(sent == 1)
}

#[derive(sqlx::FromRow)]
pub struct MessageRow {
    pub id: MessageId,
    pub author: String,
    pub body_sealed: Vec<u8>,
    pub sent_at: i64,
    pub read_at: Option<i64>,
}

/// The sent messages of a conversation, oldest first.
pub async fn messages(db: &Db, conversation_id: ConversationId) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, author, body_sealed, sent_at, read_at FROM messages
         WHERE conversation_id = $1 AND sent_at IS NOT NULL ORDER BY id",
    )
    .bind(conversation_id)
    .fetch_all(db)
    .await
}

/// How many of the client's sent messages the practitioner has not opened.
pub async fn unread_from_client(db: &Db, conversation_id: ConversationId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages
         WHERE conversation_id = $1 AND author = 'client' AND sent_at IS NOT NULL AND read_at IS NULL",
    )
    .bind(conversation_id)
    .fetch_one(db)
    .await
}

/// Marks as read what `author` sent and the other party has now seen.
pub async fn mark_read(db: &Db, conversation_id: ConversationId, author: &str, now: i64) -> Result<u64, sqlx::Error> {
    let marked = sqlx::query(
        "UPDATE messages SET read_at = $1
         WHERE conversation_id = $2 AND author = $3 AND sent_at IS NOT NULL AND read_at IS NULL",
    )
    .bind(now)
    .bind(conversation_id)
    .bind(author)
    .execute(db)
    .await?;
    Ok(marked.rows_affected())
}

#[derive(sqlx::FromRow)]
pub struct FileRow {
    pub id: FileId,
    pub message_id: MessageId,
    pub name_sealed: Vec<u8>,
    pub content_type: String,
    pub size: i64,
    pub chunks: i64,
}

/// The files of a conversation's sent messages, by message (two uploads at once interleave ids).
pub async fn files(db: &Db, conversation_id: ConversationId) -> Result<Vec<FileRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.id, f.message_id, f.name_sealed, f.content_type, f.size, f.chunks FROM message_files f
         JOIN messages m ON m.id = f.message_id
         WHERE m.conversation_id = $1 AND m.sent_at IS NOT NULL ORDER BY f.message_id, f.id",
    )
    .bind(conversation_id)
    .fetch_all(db)
    .await
}

/// A file begun; its name and size are written when its last chunk is in.
pub async fn begin_file(db: &Db, message_id: MessageId, content_type: &str) -> Result<FileId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO message_files (message_id, name_sealed, content_type) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(message_id)
    .bind(Vec::<u8>::new())
    .bind(content_type)
    .fetch_one(db)
    .await
}

pub async fn add_chunk(db: &Db, file_id: FileId, seq: i64, sealed: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO message_file_chunks (file_id, seq, sealed) VALUES ($1, $2, $3)")
        .bind(file_id)
        .bind(seq)
        .bind(sealed)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn finish_file(
    db: &Db,
    file_id: FileId,
    name_sealed: &[u8],
    size: i64,
    chunks: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE message_files SET name_sealed = $1, size = $2, chunks = $3 WHERE id = $4")
        .bind(name_sealed)
        .bind(size)
        .bind(chunks)
        .bind(file_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A sent file with what a download needs to know about where it belongs.
#[derive(sqlx::FromRow)]
pub struct DownloadRow {
    pub id: FileId,
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub practice_id: PracticeId,
    pub client_id: ClientId,
    pub name_sealed: Vec<u8>,
    pub content_type: String,
    pub size: i64,
    pub chunks: i64,
}

pub async fn download(db: &Db, file_id: FileId) -> Result<Option<DownloadRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.id, f.message_id, m.conversation_id, c.practice_id, c.client_id, f.name_sealed,
                f.content_type, f.size, f.chunks
         FROM message_files f
         JOIN messages m ON m.id = f.message_id
         JOIN conversations c ON c.id = m.conversation_id
         WHERE f.id = $1 AND m.sent_at IS NOT NULL",
    )
    .bind(file_id)
    .fetch_optional(db)
    .await
}

pub async fn chunk(db: &Db, file_id: FileId, seq: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT sealed FROM message_file_chunks WHERE file_id = $1 AND seq = $2")
        .bind(file_id)
        .bind(seq)
        .fetch_optional(db)
        .await
}

#[derive(sqlx::FromRow)]
pub struct LinkRow {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub last_used_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn new_link(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    token_hash: &[u8],
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO message_links (conversation_id, token_hash, created_at, last_used_at)
         VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(conversation_id)
    .bind(token_hash)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn link(db: &Db, token_hash: &[u8]) -> Result<Option<LinkRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, conversation_id, last_used_at, revoked_at FROM message_links WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db)
        .await
}

pub async fn link_by_id(db: &Db, id: i64) -> Result<Option<LinkRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, conversation_id, last_used_at, revoked_at FROM message_links WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn use_link(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE message_links SET last_used_at = $1 WHERE id = $2 AND last_used_at < $1")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether a link of the conversation used since `since` is not revoked.
pub async fn has_live_link(db: &Db, conversation_id: ConversationId, since: i64) -> Result<bool, sqlx::Error> {
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM message_links WHERE conversation_id = $1 AND revoked_at IS NULL AND last_used_at > $2",
    )
    .bind(conversation_id)
    .bind(since)
    .fetch_one(db)
    .await?;
    Ok(live > 0)
}

/// Revokes every link of the conversation, and ends the sessions opened through them.
pub async fn revoke_links(db: &Db, conversation_id: ConversationId, now: i64) -> Result<u64, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    sqlx::query(
        "DELETE FROM message_sessions WHERE link_id IN (SELECT id FROM message_links WHERE conversation_id = $1)",
    )
    .bind(conversation_id)
    .execute(&mut *tx)
    .await?;
    let revoked =
        sqlx::query("UPDATE message_links SET revoked_at = $1 WHERE conversation_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(conversation_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    tx.commit().await?;
    Ok(revoked)
}

#[derive(sqlx::FromRow)]
pub struct CodeRow {
    pub id: i64,
    pub code_hash: Vec<u8>,
}

/// Adds a mailed code (forgetting those sent at `forget_before` or earlier); returns its id.
pub async fn insert_code(
    db: &Db,
    link_id: i64,
    code_hash: &[u8],
    now: i64,
    expires_at: i64,
    forget_before: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query("DELETE FROM message_codes WHERE link_id = $1 AND sent_at <= $2")
        .bind(link_id)
        .bind(forget_before)
        .execute(db)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO message_codes (link_id, code_hash, sent_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(link_id)
    .bind(code_hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await
}

/// When the link's codes mailed after `since` and before code `id` were sent, oldest first.
/// Written before counted, so parallel requests each see the ones before them.
pub async fn codes_before(db: &Db, link_id: i64, id: i64, since: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT sent_at FROM message_codes WHERE link_id = $1 AND id < $2 AND sent_at > $3 ORDER BY id")
        .bind(link_id)
        .bind(id)
        .bind(since)
        .fetch_all(db)
        .await
}

pub async fn delete_code(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM message_codes WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn newest_code(db: &Db, link_id: i64) -> Result<Option<CodeRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, code_hash FROM message_codes WHERE link_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(link_id)
        .fetch_optional(db)
        .await
}

/// Counts a try with code `id` before it is compared; `false` when the code is used, expired or
/// out of tries. One statement, so parallel guesses cannot share a try.
pub async fn take_try(db: &Db, id: i64, max_tries: i64, now: i64) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "UPDATE message_codes SET tries = tries + 1 WHERE id = $1 AND tries < $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(id)
    .bind(max_tries)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Spends code `id`; `false` when it was spent already.
pub async fn use_code(db: &Db, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let used = sqlx::query("UPDATE message_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(used == 1)
}

#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub link_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
}

pub async fn new_session(db: &Db, link_id: i64, token_hash: &[u8], now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO message_sessions (link_id, token_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
        .bind(link_id)
        .bind(token_hash)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn session(db: &Db, token_hash: &[u8]) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, link_id, created_at, last_seen_at FROM message_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db)
        .await
}

pub async fn touch_session(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE message_sessions SET last_seen_at = $1 WHERE id = $2").bind(now).bind(id).execute(db).await?;
    Ok(())
}

pub async fn end_session(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM message_sessions WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// How many messages (sent or being sent) and files the client's conversation holds.
pub async fn count_for_client<'e, E>(
    db: E,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<(i64, i64), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(
        "SELECT COUNT(DISTINCT m.id), COUNT(f.id) FROM conversations c
         JOIN messages m ON m.conversation_id = c.id LEFT JOIN message_files f ON f.message_id = m.id
         WHERE c.practice_id = $1 AND c.client_id = $2",
    )
    .bind(practice_id)
    .bind(client_id)
    .fetch_one(db)
    .await
}

/// Each client's latest message activity, or only `client`'s: the cleanup job's "last activity".
pub async fn last_activity<'e, E>(
    db: E,
    practice_id: PracticeId,
    client: Option<ClientId>,
) -> Result<Vec<(ClientId, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    const ALL: &str = "SELECT client_id, last_activity_at FROM conversations WHERE practice_id = $1";
    const ONE: &str = "SELECT client_id, last_activity_at FROM conversations WHERE practice_id = $1 AND client_id = $2";
    crate::server::db::per_client(db, ALL, ONE, practice_id, client).await
}

/// Deletes what can no longer be used: sessions past their limits, links dead for 30 days (with
/// their codes), and messages begun a day ago and never sent (an upload cut off).
pub async fn purge(
    db: &Db,
    idle_before: i64,
    started_before: i64,
    links_before: i64,
    unsent_before: i64,
) -> Result<u64, sqlx::Error> {
    let sessions = sqlx::query("DELETE FROM message_sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(idle_before)
        .bind(started_before)
        .execute(db)
        .await?
        .rows_affected();
    let links = sqlx::query("DELETE FROM message_links WHERE last_used_at < $1 OR revoked_at < $1")
        .bind(links_before)
        .execute(db)
        .await?
        .rows_affected();
    let unsent = sqlx::query("DELETE FROM messages WHERE sent_at IS NULL AND created_at < $1")
        .bind(unsent_before)
        .execute(db)
        .await?
        .rows_affected();
    Ok(sessions + links + unsent)
}

/// How many messages and files the practice's conversations hold.
pub async fn counts_of_practice(db: &Db, practice_id: PracticeId) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE c.practice_id = $1 AND m.sent_at IS NOT NULL),
                (SELECT COUNT(*) FROM message_files f JOIN messages m ON m.id = f.message_id
                 JOIN conversations c ON c.id = m.conversation_id WHERE c.practice_id = $1)",
    )
    .bind(practice_id)
    .fetch_one(db)
    .await
}

/// Deletes every conversation of the practice with its messages, files, links and sessions; how
/// many conversations went.
pub async fn delete_all_of_practice(db: &Db, practice_id: PracticeId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM conversations WHERE practice_id = $1").bind(practice_id).execute(db).await?;
    Ok(done.rows_affected())
}
