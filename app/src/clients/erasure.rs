//! Deleting a client, by hand or by the cleanup job: one path, so what is left after either is
//! the same. In one transaction: the client's data keys first (crypto-shredding: whatever was
//! sealed with them, wherever a copy lies, can no longer be read), then its appointments with the
//! bookings' sealed details, and the client row, which takes its journals and versions, consents
//! and evidence, conversation, messages and files, holds, notices and mails with it
//! (`ON DELETE CASCADE`); the practice's audit events that named the client stay, unlinked.

use sqlx::AnyConnection;

use super::store;
use super::types::DeletionCounts;
use crate::ids::{ClientId, PracticeId};
use crate::server::db::Backend;

/// What the client has, counted for the deletion log.
pub async fn counts_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    id: ClientId,
) -> Result<DeletionCounts, sqlx::Error> {
    let (messages, files) = crate::messages::store::count_for_client(&mut *conn, practice_id, id).await?;
    Ok(DeletionCounts {
        appointments: crate::calendar::store::count_for_client(&mut *conn, practice_id, id).await?,
        journal_entries: crate::journal::store::count_for_client(&mut *conn, practice_id, id).await?,
        consents: crate::consent::store::count_for_client(&mut *conn, practice_id, id).await?,
        messages,
        files,
    })
}

/// Deletes the client and everything it owns in the caller's transaction, and counts it on the
/// deletion log's line `log_id`. `None` when the practice has no such client.
pub async fn erase_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    id: ClientId,
    backend: Backend,
    log_id: i64,
) -> Result<Option<DeletionCounts>, sqlx::Error> {
    // The client's row first, on every path, so two deletions of one client queue instead of
    // deadlocking on PostgreSQL.
    if !store::lock_in(conn, backend, practice_id, id).await? {
        return Ok(None);
    }
    let counts = counts_in(conn, practice_id, id).await?;
    store::delete_keys(conn, practice_id, id).await?;
    crate::calendar::store::delete_for_client_in(conn, practice_id, id).await?;
    crate::audit::store::unlink_client(conn, practice_id, id).await?;
    if !store::delete(conn, practice_id, id).await? {
        return Ok(None);
    }
    store::add_to_log_in(conn, log_id, counts).await?;
    Ok(Some(counts))
}
