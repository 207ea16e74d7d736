//! Client endpoints: who is calling, parse, call the service. Each acts only within the caller's own practice: another practice's client
//! id answers `NotFound`, exactly like an id that does not exist.

use leptos::prelude::*;

use super::types::{Client, ClientSummary, DeletionSummary};
use crate::error::AppError;
use crate::ids::ClientId;

#[server(endpoint = "clients/list")]
pub async fn list_clients(query: String) -> Result<Vec<ClientSummary>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let query = super::types::search_text(&query).map_err(|problem| AppError::field("q", problem))?;
    super::service::list(&request.state, user, &query).await
}

#[server(endpoint = "clients/get")]
pub async fn get_client(id: ClientId) -> Result<Client, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::get(&request.state, user, id).await
}

#[server(endpoint = "clients/create")]
pub async fn create_client(
    name: String,
    email: String,
    phone: String,
    birth_date: String,
    address: String,
    notes: String,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let raw = super::types::RawClient {
        name: &name,
        email: &email,
        phone: &phone,
        birth_date: &birth_date,
        address: &address,
        notes: &notes,
    };
    let id = super::service::create(&request.state, user, raw).await?;
    leptos_axum::redirect(&format!("/clients/{id}"));
    Ok(())
}

#[server(endpoint = "clients/update")]
pub async fn update_client(
    id: ClientId,
    name: String,
    email: String,
    phone: String,
    birth_date: String,
    address: String,
    notes: String,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let raw = super::types::RawClient {
        name: &name,
        email: &email,
        phone: &phone,
        birth_date: &birth_date,
        address: &address,
        notes: &notes,
    };
    super::service::update(&request.state, user, id, raw).await?;
    leptos_axum::redirect(&format!("/clients/{id}"));
    Ok(())
}

/// What deleting the client would take with it, shown before the practitioner confirms.
#[server(endpoint = "clients/deletion_preview")]
pub async fn deletion_preview(id: ClientId) -> Result<DeletionSummary, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::deletion_preview(&request.state, request.user()?, id).await
}

#[server(endpoint = "clients/delete")]
pub async fn delete_client(id: ClientId) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::delete(&request.state, user, id).await?;
    leptos_axum::redirect("/clients?deleted=1");
    Ok(())
}
