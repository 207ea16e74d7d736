//! Consent endpoints. The practitioner's act within their own practice and client; the client's
//! (`consent/page`, `consent/opened`, `consent/sign`, `consent/decline`, `consent/withdraw`,
//! `consent/withdrawal_code`) need no account: the link's token is the only key, and it reaches
//! exactly one request.

use leptos::prelude::*;

use super::types::{ConsentPage, RequestView, Template};
use crate::error::AppError;
use crate::ids::ClientId;
use crate::secret::SecretText;

#[server(endpoint = "consent/templates")]
pub async fn consent_templates() -> Result<Vec<Template>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::templates(&request.state, user).await
}

/// A new declaration (no `id`), or a new version of one.
#[server(endpoint = "consent/save_template")]
pub async fn save_template(id: Option<i64>, title: String, body: String, lang: Option<String>) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::save_template(&request.state, user, id, &title, &body, &lang.unwrap_or_default()).await?;
    leptos_axum::redirect("/settings/consent?saved=1");
    Ok(())
}

/// The declarations, each with how many clients signed an older version of it.
#[server(endpoint = "consent/declarations")]
pub async fn consent_declarations() -> Result<Vec<(Template, usize)>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let list = super::service::templates(&request.state, user).await?;
    let counts = super::service::outdated_counts(&request.state, user, &list).await?;
    Ok(list.into_iter().zip(counts).collect())
}

/// Asks those who signed an older version of the declaration to consent to the current one.
#[server(endpoint = "consent/ask_again")]
pub async fn ask_again(template_id: i64) -> Result<usize, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::ask_again(&request.state, user, template_id, request.lang).await
}

/// A reminder with a fresh link for an unanswered request.
#[server(endpoint = "consent/remind")]
pub async fn remind_consent(client_id: ClientId, id: i64) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::remind(&request.state, user, client_id, id, request.lang).await
}

#[server(endpoint = "consent/requests")]
pub async fn consent_requests(client_id: ClientId) -> Result<Vec<RequestView>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::requests(&request.state, user, client_id).await
}

#[server(endpoint = "consent/send")]
pub async fn send_consent(client_id: ClientId, template_id: i64) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::send(&request.state, user, client_id, template_id, request.lang).await
}

#[server(endpoint = "consent/revoke")]
pub async fn revoke_consent(client_id: ClientId, id: i64) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::revoke(&request.state, user, client_id, id).await
}

/// What the link shows. A reading only: mail scanners fetch links, and must not open requests.
#[server(endpoint = "consent/page")]
pub async fn get_consent_page(token: SecretText) -> Result<ConsentPage, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::page(&request.state, token.expose()).await
}

/// Sent by the page once a person uses it: records that the link was opened.
#[server(endpoint = "consent/opened")]
pub async fn consent_opened(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::opened(&request.state, token.expose(), &origin).await
}

/// `signature` is the drawn signature as `Drawing` text; absent or empty when none was drawn.
#[server(endpoint = "consent/sign")]
pub async fn sign_consent(
    token: SecretText,
    agree: Option<String>,
    name: String,
    signature: Option<String>,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    let drawn = signature.unwrap_or_default();
    super::service::sign(&request.state, token.expose(), agree.is_some(), &name, &drawn, &origin, request.lang).await
}

#[server(endpoint = "consent/decline")]
pub async fn decline_consent(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::decline(&request.state, token.expose(), &origin).await
}

/// Mails the client a one-time code for withdrawing through an old link. Back on the link's page,
/// which then says the code was sent (with or without JavaScript).
#[server(endpoint = "consent/withdrawal_code")]
pub async fn send_withdrawal_code(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::send_withdrawal_code(&request.state, token.expose(), request.lang).await?;
    // Only a valid token gets here, and tokens are URL-safe base64.
    leptos_axum::redirect(&format!("/consent?token={}&code=sent", token.expose()));
    Ok(())
}

/// `code` is needed once the link's 30 days after the signature are over.
#[server(endpoint = "consent/withdraw")]
pub async fn withdraw_consent(token: SecretText, code: Option<SecretText>) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::withdraw(
        &request.state,
        token.expose(),
        code.as_ref().map(SecretText::expose),
        &origin,
        request.lang,
    )
    .await
}
