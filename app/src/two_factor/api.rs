//! Two-factor endpoints of the Security page: each acts on the caller's own account. (The
//! login's code step is `auth::api::log_in_code`.)

use leptos::prelude::*;

use super::types::{SetupView, TwoFactorStatus};
use crate::error::AppError;
use crate::secret::SecretText;

/// The caller's two-factor state.
#[server(endpoint = "two_factor/status")]
pub async fn two_factor_state() -> Result<TwoFactorStatus, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let state = &request.state;
    let row = super::store::two_factor_of(&state.db, user.user_id).await?;
    Ok(TwoFactorStatus {
        enabled: row.enabled_at.is_some(),
        enabled_secs_ago: row.enabled_at.map(|at| state.clock.now() - at),
        recovery_codes_left: super::store::recovery_codes_left(&state.db, user.user_id).await?,
        fresh: crate::security::service::is_fresh(state, user),
    })
}

/// Wizard step 2: a new secret as a QR code and a key. Needs a fresh sign-in.
#[server(endpoint = "two_factor/begin")]
pub async fn begin_two_factor() -> Result<SetupView, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::begin_setup(&request.state, request.user()?).await
}

/// Wizard step 3: the first code turns two-factor on. Returns the recovery codes, once.
#[server(endpoint = "two_factor/enable")]
pub async fn enable_two_factor(code: SecretText) -> Result<Vec<String>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::enable(&request.state, request.user()?, code.expose(), &origin, request.lang).await
}

/// A new set of recovery codes, replacing the old. Needs a fresh sign-in.
#[server(endpoint = "two_factor/recovery_codes")]
pub async fn renew_recovery_codes() -> Result<Vec<String>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    super::service::renew_recovery_codes(&request.state, request.user()?, &origin).await
}

/// Turns two-factor off, with the password and a code (or a recovery code).
#[server(endpoint = "two_factor/disable")]
pub async fn disable_two_factor(password: SecretText, code: SecretText) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    let user = request.user()?;
    super::service::disable(
        &request.state,
        user,
        PlainPassword::new(password.into_inner()),
        code.expose(),
        &origin,
        request.ip,
        request.lang,
    )
    .await?;
    leptos_axum::redirect("/settings/security?changed=two_factor_off#two-factor");
    Ok(())
}
