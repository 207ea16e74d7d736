//! Secure-message endpoints. The practitioner's act within their own practice and client; the
//! client's (`message/page`, `message/send_code`, `message/verify`, `message/sign_out`) need no
//! account: the link's token names one conversation, and only a device verified for it (its
//! session cookie) reads it. Messages with files are sent through the plain multipart routes in
//! `files`.

use leptos::prelude::*;

use super::types::{ConversationSummary, LinkPage, Thread};
use crate::error::AppError;
use crate::ids::ClientId;
use crate::secret::SecretText;

#[server(endpoint = "messages/list")]
pub async fn conversations(query: String) -> Result<Vec<ConversationSummary>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::list(&request.state, user, &query).await
}

/// The conversation with one client (empty when none was begun). Recorded as a reading.
#[server(endpoint = "messages/thread")]
pub async fn get_thread(client_id: ClientId) -> Result<Thread, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::thread(&request.state, user, client_id).await
}

/// Closes the conversation (`closed`), or opens it again.
#[server(endpoint = "messages/close")]
pub async fn close_conversation(client_id: ClientId, closed: bool) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::set_closed(&request.state, user, client_id, closed).await
}

#[server(endpoint = "messages/revoke")]
pub async fn revoke_links(client_id: ClientId) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::revoke_links(&request.state, user, client_id).await
}

/// What the link shows. Reading it changes nothing but the read marks a verified device leaves.
/// `recheck` says whether the browser sent no session cookie.
#[server(endpoint = "message/page")]
pub async fn get_link_page(token: SecretText) -> Result<LinkPage, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let session = request.cookie(super::session_cookie_name(&request.state));
    let page = super::service::link_page(&request.state, token.expose(), session.as_deref()).await?;
    Ok(LinkPage { recheck: session.is_none(), ..page })
}

/// Mails the client a one-time code; back on the link's page, which then says so.
#[server(endpoint = "message/send_code")]
pub async fn send_code(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::send_code(&request.state, token.expose(), &request.origin(), request.lang).await?;
    // Only a valid token gets here, and tokens are URL-safe base64.
    leptos_axum::redirect(&format!("/secure-message?token={}&code=sent", token.expose()));
    Ok(())
}

/// The mailed code, or the date of birth: a verified device gets the conversation's session.
#[server(endpoint = "message/verify")]
pub async fn verify(
    token: SecretText,
    code: Option<SecretText>,
    birth_date: Option<SecretText>,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let answer = code.or(birth_date).unwrap_or_else(|| String::new().into());
    let session = super::service::verify(&request.state, token.expose(), answer.expose(), &request.origin()).await?;
    let cookie = super::session_cookie(&request.state, Some(&session));
    crate::server::request::set_response_header(http::header::SET_COOKIE, &cookie);
    leptos_axum::redirect(&format!("/secure-message?token={}&opened=1", token.expose()));
    Ok(())
}

/// Ends the device's session (a shared phone).
#[server(endpoint = "message/sign_out")]
pub async fn sign_out(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let session = request.cookie(super::session_cookie_name(&request.state));
    if let Some(session) = super::service::client_session(&request.state, session.as_deref()).await? {
        super::service::end_session(&request.state, session).await?;
    }
    crate::server::request::set_response_header(http::header::SET_COOKIE, &super::session_cookie(&request.state, None));
    leptos_axum::redirect(&format!("{}&signed_out=1", super::link_path(token.expose())));
    Ok(())
}
