//! Hand-over endpoints: the signed-in practitioner's own account only; and the new owner's link,
//! which works without a session (it is opened from mail).

use leptos::prelude::*;

use super::types::{Holdings, TransferOverview};
use crate::error::AppError;
use crate::secret::SecretText;

#[server(endpoint = "transfer/get")]
pub async fn get_transfer() -> Result<TransferOverview, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::overview(&request.state, user).await
}

/// Deletes the ticked kinds (checkboxes named by `BulkKind::field`); needs the password again.
#[server(endpoint = "transfer/delete")]
pub async fn delete_in_bulk(
    password: SecretText,
    clients: Option<String>,
    appointments: Option<String>,
    journal_entries: Option<String>,
    consents: Option<String>,
    messages: Option<String>,
    services: Option<String>,
) -> Result<Holdings, AppError> {
    use super::types::BulkKind;
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let ticked = [
        (BulkKind::Clients, clients),
        (BulkKind::Appointments, appointments),
        (BulkKind::JournalEntries, journal_entries),
        (BulkKind::Consents, consents),
        (BulkKind::Messages, messages),
        (BulkKind::Services, services),
    ];
    let kinds: Vec<BulkKind> = ticked.into_iter().filter(|(_, box_)| box_.is_some()).map(|(kind, _)| kind).collect();
    let password = PlainPassword::new(password.into_inner());
    super::service::delete_in_bulk(&request.state, user, &kinds, password).await
}

/// The new login: the new owner's name, address and temporary password; the old owner's password.
#[server(endpoint = "transfer/start")]
pub async fn start_transfer(
    new_name: String,
    new_email: String,
    temporary_password: SecretText,
    password: SecretText,
) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let new_owner = super::service::NewOwner {
        name: &new_name,
        email: &new_email,
        temporary_password: temporary_password.into_inner(),
        password: PlainPassword::new(password.into_inner()),
    };
    super::service::start(&request.state, user, new_owner, request.ip, request.lang).await
}

#[server(endpoint = "transfer/cancel")]
pub async fn cancel_transfer() -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::cancel(&request.state, user).await
}

/// The link mailed to the new owner.
#[server(endpoint = "confirm_transfer")]
pub async fn confirm_transfer(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::confirm(&request.state, token.expose()).await?;
    leptos_axum::redirect("/confirm-transfer?confirmed=1");
    Ok(())
}

/// The hand-over itself. This browser's session ends with every other.
#[server(endpoint = "transfer/complete")]
pub async fn complete_transfer(
    password: SecretText,
    exported: Option<String>,
    cleaned_up: Option<String>,
    told: Option<String>,
) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let checklist = super::service::Checklist {
        exported: exported.is_some(),
        cleaned_up: cleaned_up.is_some(),
        told: told.is_some(),
    };
    let password = PlainPassword::new(password.into_inner());
    super::service::complete(&request.state, user, checklist, password, &request.origin(), request.lang).await?;
    crate::server::request::set_response_header(http::header::SET_COOKIE, &request.state.session_cookie().clear());
    leptos_axum::redirect("/login?reason=transferred");
    Ok(())
}
