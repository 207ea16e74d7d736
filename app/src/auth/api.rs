//! The account endpoints: sign-up, the login's password and code steps, asking for the password
//! again, log-out, password reset. Each is public: each establishes who is calling before it acts.

use leptos::prelude::*;

use super::types::{Me, OutboxMail};
use crate::error::AppError;
use crate::secret::SecretText;

#[server(endpoint = "sign_up")]
pub async fn sign_up(practice_name: String, name: String, email: String, password: SecretText) -> Result<(), AppError> {
    use crate::server::{password::PlainPassword, request::RequestInfo};
    let request = RequestInfo::current().await?;
    let input = super::types::SignUpInput::parse(&practice_name, &name, &email, password.expose())?;
    let password = PlainPassword::new(password.into_inner());
    super::service::sign_up(&request.state, input, password, request.ip, request.lang).await?;
    leptos_axum::redirect("/signup/sent");
    Ok(())
}

#[server(endpoint = "verify_email")]
pub async fn verify_email(token: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::verify_email(&request.state, token.expose()).await?;
    leptos_axum::redirect("/login?reason=verified");
    Ok(())
}

#[server(endpoint = "log_in")]
pub async fn log_in(email: String, password: SecretText) -> Result<(), AppError> {
    use crate::server::{password::PlainPassword, request::RequestInfo, request::set_response_header};
    let request = RequestInfo::current().await?;
    let device_token = request.cookie(request.state.device_cookie().name());
    let login = super::service::LoginRequest {
        email: &email,
        password: PlainPassword::new(password.into_inner()),
        ip: request.ip,
        user_agent: &request.user_agent,
        device_token: device_token.as_deref(),
        lang: request.lang,
    };
    match super::service::log_in(&request.state, login).await? {
        super::service::LoggedIn::Session(signed_in) => begin_session(&request, &signed_in).await,
        super::service::LoggedIn::CodeNeeded(challenge) => {
            let cookie = super::challenge_cookie(&request.state, Some(&challenge));
            set_response_header(http::header::SET_COOKIE, &cookie);
            leptos_axum::redirect("/login/code");
            Ok(())
        }
        super::service::LoggedIn::PasswordChangeMailed => {
            leptos_axum::redirect("/login?reason=choose_password");
            Ok(())
        }
    }
}

/// Starts the browser's new session after a completed sign-in: any session it held before ends
/// (a login always starts a fresh token), the session and device cookies are set, and the
/// browser goes to its home page.
#[cfg(feature = "ssr")]
pub(crate) async fn begin_session(
    request: &crate::server::request::RequestInfo,
    signed_in: &super::service::SignedIn,
) -> Result<(), AppError> {
    use crate::server::request::set_response_header;
    use crate::server::sessions::Role;
    if let Some(previous) = request.optional_user() {
        request.state.sessions.delete(previous.session_id).await?;
    }
    let state = &request.state;
    set_response_header(http::header::SET_COOKIE, &state.session_cookie().set(&signed_in.session));
    let device = state.device_cookie().set(&signed_in.device_token, super::service::DEVICE_LIFETIME_SECS);
    set_response_header(http::header::SET_COOKIE, &device);
    leptos_axum::redirect(if signed_in.role == Role::Support { "/support" } else { "/calendar" });
    Ok(())
}

/// The login's code step. Accepted only with the challenge cookie the password step set; on
/// success that ends and a new session begins.
#[server(endpoint = "log_in_code")]
pub async fn log_in_code(code: SecretText) -> Result<(), AppError> {
    use crate::server::request::{RequestInfo, set_response_header};
    let request = RequestInfo::current().await?;
    let origin = request.origin();
    let challenge = request.cookie(&super::challenge_cookie_name(&request.state));
    let device = request.cookie(request.state.device_cookie().name());
    let signed_in = super::service::complete_login(
        &request.state,
        challenge.as_deref(),
        code.expose(),
        device.as_deref(),
        &origin,
        request.ip,
        request.lang,
    )
    .await?;
    set_response_header(http::header::SET_COOKIE, &super::challenge_cookie(&request.state, None));
    begin_session(&request, &signed_in).await
}

/// Asks for the password again, to open sensitive changes for 10 minutes. Wrong guesses are
/// throttled per session.
#[server(endpoint = "security/confirm_password")]
pub async fn confirm_password(password: SecretText) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    crate::security::service::confirm_password(&request.state, user, PlainPassword::new(password.into_inner())).await
}

#[server(endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    end_this_session().await?;
    leptos_axum::redirect("/login?reason=signed_out");
    Ok(())
}

/// The browser's inactivity timer ran out: the same as logging out, and the browser itself goes
/// on to the login page with the reason.
#[server(endpoint = "end_idle_session")]
pub async fn end_idle_session() -> Result<(), AppError> {
    end_this_session().await
}

#[cfg(feature = "ssr")]
async fn end_this_session() -> Result<(), AppError> {
    use crate::server::request::{RequestInfo, set_response_header};
    let request = RequestInfo::current().await?;
    if let Some(user) = request.optional_user() {
        let origin = request.origin();
        super::service::log_out(&request.state, user, &origin).await?;
    }
    set_response_header(http::header::SET_COOKIE, &request.state.session_cookie().clear());
    set_response_header(http::HeaderName::from_static("clear-site-data"), "\"cache\", \"cookies\", \"storage\"");
    Ok(())
}

/// The signed-in user, or `None`.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    Ok(request.optional_user().map(|user| Me {
        name: user.name.clone(),
        email: user.email.clone(),
        practice_name: user.practice_name.clone(),
        idle_timeout_secs: user.idle_timeout_secs,
    }))
}

/// Development only: the mail that would have gone out. `NotFound` unless the outbox page is on
/// and the caller is on this machine, not behind a proxy.
#[server(endpoint = "dev_outbox")]
pub async fn dev_outbox() -> Result<Vec<OutboxMail>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let headers = use_context::<http::request::Parts>().map(|parts| parts.headers).unwrap_or_default();
    if !crate::server::http::may_see_outbox(request.state.config.dev_outbox, request.ip, &headers) {
        return Err(AppError::NotFound);
    }
    let rows = request.state.mailer.outbox().await?;
    Ok(rows
        .into_iter()
        .map(|row| OutboxMail {
            id: row.id,
            recipient: row.recipient,
            subject: row.subject,
            body: row.body,
            created_at: row.created_at,
            attachments: row.attachments,
        })
        .collect())
}

/// "Forgot password": always the same answer, whether or not the address has an account.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let email = crate::fields::Email::parse(&email).map_err(|problem| AppError::field("email", problem))?;
    super::service::request_password_reset(&request.state, &email, request.ip, request.lang).await?;
    leptos_axum::redirect("/forgot-password/sent");
    Ok(())
}

/// Sets a new password through a reset link, and signs out every session of the account.
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: SecretText, new_password: SecretText) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::reset_password(&request.state, token.expose(), new_password.into_inner(), &origin, request.lang)
        .await?;
    // This browser's session (if any) has ended with all the others.
    crate::server::request::set_response_header(http::header::SET_COOKIE, &request.state.session_cookie().clear());
    leptos_axum::redirect("/login?reason=password_reset");
    Ok(())
}
