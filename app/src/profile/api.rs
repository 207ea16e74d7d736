//! Profile endpoints: the signed-in practitioner's own account and practice only; and the two
//! links of a change of sign-in address, which work without a session (they are opened from mail).

use leptos::prelude::*;

use super::types::{PracticeDetails, Profile};
use crate::error::AppError;
use crate::secret::SecretText;

#[server(endpoint = "profile/get")]
pub async fn get_profile() -> Result<Profile, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let state = &request.state;
    let practice = super::store::practice(&state.db, user.practice_id).await?;
    let two_factor = crate::two_factor::store::two_factor_of(&state.db, user.user_id).await?.enabled_at.is_some();
    Ok(Profile {
        name: user.name.clone(),
        email: user.email.clone(),
        pending_email: super::service::pending_email(state, user).await?,
        two_factor,
        practice,
        agreement_ready: state.config.operator.missing().is_empty(),
    })
}

#[server(endpoint = "profile/practice")]
pub async fn update_practice(name: String, address: String, org_number: String) -> Result<PracticeDetails, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let details = PracticeDetails::parse(&name, &address, &org_number)?;
    super::store::update_practice(&request.state.db, user.practice_id, &details).await?;
    Ok(details)
}

#[server(endpoint = "profile/name")]
pub async fn update_name(name: String) -> Result<String, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::change_name(&request.state, user, &name).await
}

/// Asks to sign in with another address: needs the password, and the code with two-factor on.
#[server(endpoint = "profile/email")]
pub async fn request_email_change(
    new_email: String,
    password: SecretText,
    #[server(default)] code: SecretText,
) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let change = super::service::EmailChangeRequest {
        new_email: &new_email,
        password: PlainPassword::new(password.into_inner()),
        code: code.expose(),
        origin: request.origin(),
        lang: request.lang,
    };
    super::service::request_email_change(&request.state, user, change).await
}

#[server(endpoint = "profile/email/cancel")]
pub async fn cancel_email_change() -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::cancel_email_change(&request.state, user).await
}

/// The link mailed to the new address. Whoever follows it is sent on to sign in.
#[server(endpoint = "confirm_email_change")]
pub async fn confirm_email_change(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::confirm_email_change(&request.state, token.expose(), &request.origin(), request.lang).await?;
    let signed_in = request.optional_user().is_some();
    leptos_axum::redirect(if signed_in { "/settings/profile?email=changed" } else { "/login?reason=email_changed" });
    Ok(())
}

/// The "this wasn't me" link mailed to the old address. Every session has ended, this one too.
#[server(endpoint = "revert_email_change")]
pub async fn revert_email_change(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::revert_email_change(&request.state, token.expose(), &request.origin(), request.lang).await?;
    crate::server::request::set_response_header(http::header::SET_COOKIE, &request.state.session_cookie().clear());
    leptos_axum::redirect("/login?reason=email_reverted");
    Ok(())
}
