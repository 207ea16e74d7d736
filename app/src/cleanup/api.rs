//! Cleanup endpoints: the practitioner's own practice only; a client of another practice answers
//! `NotFound`, like one that does not exist.

use leptos::prelude::*;

use super::types::CleanupOverview;
use crate::error::AppError;
use crate::ids::ClientId;

#[server(endpoint = "cleanup/overview")]
pub async fn get_cleanup() -> Result<CleanupOverview, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::overview(&request.state, request.user()?).await
}

/// Checkboxes send nothing when not ticked.
#[server(endpoint = "cleanup/save")]
pub async fn save_cleanup(
    enabled: Option<String>,
    period: String,
    #[server(default)] months: String,
    confirmed: Option<String>,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let choice = super::types::CleanupChoice::parse(enabled.as_deref(), &period, &months, confirmed.as_deref())?;
    super::service::save(&request.state, user, choice).await?;
    leptos_axum::redirect("/settings/cleanup?saved=1");
    Ok(())
}

#[server(endpoint = "cleanup/hold")]
pub async fn hold_client(client_id: ClientId, reason: String) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::hold(&request.state, user, client_id, &reason).await?;
    leptos_axum::redirect("/settings/cleanup#held");
    Ok(())
}

#[server(endpoint = "cleanup/release")]
pub async fn release_hold(client_id: ClientId) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::release(&request.state, user, client_id).await?;
    leptos_axum::redirect("/settings/cleanup#preview");
    Ok(())
}
