//! Journal endpoints. Each acts only within the caller's practice and the named client: another
//! practice's client or entry answers `NotFound`, like one that does not exist.

use leptos::prelude::*;

use super::types::{Journal, JournalHistory};
use crate::audit::types::AuditEvent;
use crate::error::AppError;
use crate::ids::ClientId;

/// The newest entries: a page of them, or `entries` (rounded up to whole pages).
#[server(endpoint = "journal/list")]
pub async fn get_journal(client_id: ClientId, entries: Option<usize>) -> Result<Journal, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::journal(&request.state, user, client_id, super::types::shown_entries(entries)).await
}

#[server(endpoint = "journal/history")]
pub async fn get_journal_history(client_id: ClientId, entry_id: i64) -> Result<JournalHistory, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::history(&request.state, user, client_id, entry_id).await
}

#[server(endpoint = "journal/create")]
pub async fn create_journal_entry(
    client_id: ClientId,
    date: String,
    title: String,
    text: String,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let raw = super::service::RawEntry { date: &date, title: &title, text: &text };
    super::service::create(&request.state, user, client_id, raw).await?;
    Ok(())
}

#[server(endpoint = "journal/edit")]
pub async fn edit_journal_entry(
    client_id: ClientId,
    entry_id: i64,
    version: i64,
    date: String,
    title: String,
    text: String,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let raw = super::service::RawEntry { date: &date, title: &title, text: &text };
    super::service::edit(&request.state, user, client_id, entry_id, version, raw).await?;
    leptos_axum::redirect(&format!("/clients/{client_id}#journal"));
    Ok(())
}

/// Who read or wrote this client's journal, and when.
#[server(endpoint = "journal/log")]
pub async fn journal_log(client_id: ClientId) -> Result<Vec<AuditEvent>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::log(&request.state, user, client_id).await
}
