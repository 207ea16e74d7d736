//! The Security page's endpoints: who is calling, parse, call the service. Each acts only on the
//! caller's own account.

use leptos::prelude::*;

use super::types::{EventView, SecuritySettings, SessionView};
use crate::error::AppError;
use crate::secret::SecretText;

/// Every place the caller's account is signed in: this device first, then by last activity.
#[server(endpoint = "security/sessions")]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::sessions(&request.state, request.user()?).await
}

/// Signs out one of the caller's sessions.
#[server(endpoint = "security/revoke_session")]
pub async fn revoke_session(id: i64) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::revoke_session(&request.state, request.user()?, id, &origin).await
}

/// Signs out every session of the caller's account except this one.
#[server(endpoint = "security/revoke_others")]
pub async fn revoke_other_sessions() -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::revoke_other_sessions(&request.state, request.user()?, &origin).await
}

/// "This wasn't me": signs the session out, records it, and takes the owner to the password.
#[server(endpoint = "security/not_me")]
pub async fn not_me(id: i64) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::not_me(&request.state, request.user()?, id, &origin).await?;
    leptos_axum::redirect("/settings/security?not_me=1#password");
    Ok(())
}

/// The caller's recent security activity, newest first.
#[server(endpoint = "security/log")]
pub async fn security_log() -> Result<Vec<EventView>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::security_log(&request.state, request.user()?).await
}

/// The account's automatic-logout setting, and whether sensitive changes are open right now.
#[server(endpoint = "security/settings")]
pub async fn account_security() -> Result<SecuritySettings, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::settings(&request.state, request.user()?).await
}

/// Sets the idle time after which every session of the account ends.
#[server(endpoint = "security/idle_timeout")]
pub async fn set_idle_timeout(minutes: String) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let minutes = super::types::parse_idle_minutes(&minutes).map_err(|problem| AppError::field("minutes", problem))?;
    let origin = request.origin();
    super::service::set_idle_timeout(&request.state, user, minutes, &origin).await
}

/// Changes the caller's password; every other session is signed out.
#[server(endpoint = "security/change_password")]
pub async fn change_password(current_password: SecretText, new_password: SecretText) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let origin = request.origin();
    crate::auth::service::change_password(
        &request.state,
        user,
        PlainPassword::new(current_password.into_inner()),
        PlainPassword::new(new_password.into_inner()),
        &origin,
        request.lang,
    )
    .await?;
    leptos_axum::redirect("/settings/security?changed=password#password");
    Ok(())
}
