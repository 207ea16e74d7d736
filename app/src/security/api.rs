//! The Security page's endpoints. Each acts only on the caller's own account.

use leptos::prelude::*;

use super::types::{EventView, SecuritySettings, SessionView};
use crate::error::AppError;
use crate::secret::SecretText;

/// Every place the caller's account is signed in: this device first, then by last activity.
#[server(endpoint = "security/sessions")]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    let now = request.state.clock.now();
    let rows = request.state.sessions.of_user(user.user_id).await?;
    let mut sessions: Vec<SessionView> = rows
        .into_iter()
        .map(|row| SessionView {
            id: row.id,
            device: super::service::parse_device(&row.user_agent),
            ip: row.ip,
            signed_in_secs_ago: now - row.created_at,
            active_secs_ago: now - row.last_seen_at,
            this_device: row.id == user.session_id,
        })
        .collect();
    // This device first, then the others by last activity.
    sessions.sort_by_key(|session| !session.this_device);
    Ok(sessions)
}

/// Signs out one of the caller's sessions.
#[server(endpoint = "security/revoke_session")]
pub async fn revoke_session(id: i64) -> Result<(), AppError> {
    use super::{service, types::EventKind};
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    if !request.state.sessions.delete_of_user(user.user_id, id).await? {
        return Err(AppError::NotFound);
    }
    let origin = request.origin();
    service::record(&request.state, user.user_id, EventKind::SessionRevoked, &origin).await?;
    Ok(())
}

/// Signs out every session of the caller's account except this one.
#[server(endpoint = "security/revoke_others")]
pub async fn revoke_other_sessions() -> Result<(), AppError> {
    use super::{service, types::EventKind};
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    let revoked = request.state.sessions.delete_others_of_user(user.user_id, user.session_id).await?;
    if revoked > 0 {
        let origin = request.origin();
        service::record(&request.state, user.user_id, EventKind::SessionRevoked, &origin).await?;
    }
    Ok(())
}

/// "This wasn't me": signs the session out, records it, and takes the owner to the password.
#[server(endpoint = "security/not_me")]
pub async fn not_me(id: i64) -> Result<(), AppError> {
    use super::{service, types::EventKind};
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    if id == user.session_id || !request.state.sessions.delete_of_user(user.user_id, id).await? {
        return Err(AppError::NotFound);
    }
    let origin = request.origin();
    service::record(&request.state, user.user_id, EventKind::NotMe, &origin).await?;
    leptos_axum::redirect("/settings/security?not_me=1#password");
    Ok(())
}

/// The caller's recent security activity, newest first.
#[server(endpoint = "security/log")]
pub async fn security_log() -> Result<Vec<EventView>, AppError> {
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    let now = request.state.clock.now();
    let rows = super::store::recent_events(&request.state.db, user.user_id, 50).await?;
    let zone = crate::profile::store::zone_of(&request.state.db, user.practice_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(EventView {
                kind: super::types::EventKind::from_code(&row.kind)?,
                secs_ago: now - row.at,
                at: crate::calendar::time::moment_text(zone, row.at),
                ip: row.ip,
                device: super::service::parse_device(&row.user_agent),
                by: row.detail,
            })
        })
        .collect())
}

/// The account's automatic-logout setting, and whether sensitive changes are open right now.
#[server(endpoint = "security/settings")]
pub async fn account_security() -> Result<SecuritySettings, AppError> {
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    let secs = crate::auth::store::idle_timeout_secs(&request.state.db, user.user_id).await?;
    Ok(SecuritySettings { idle_timeout_minutes: secs / 60, fresh: super::service::is_fresh(&request.state, user) })
}

/// Asks for the password again, to open sensitive changes for 10 minutes. Wrong guesses are
/// throttled per session.
#[server(endpoint = "security/confirm_password")]
pub async fn confirm_password(password: SecretText) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    super::service::confirm_password(&request.state, user, PlainPassword::new(password.into_inner())).await
}

/// Sets the idle time after which every session of the account ends.
#[server(endpoint = "security/idle_timeout")]
pub async fn set_idle_timeout(minutes: String) -> Result<(), AppError> {
    use super::{service, types::EventKind};
    use crate::error::Problem;
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    let minutes: i64 = minutes
        .trim()
        .parse()
        .ok()
        .filter(|m| super::types::IDLE_CHOICES_MINUTES.contains(m))
        .ok_or_else(|| AppError::field("minutes", Problem::NotAllowedValue))?;
    if !service::is_fresh(&request.state, user) {
        return Err(AppError::Rejected(Problem::FreshSignInRequired));
    }
    crate::auth::store::set_idle_timeout_secs(&request.state.db, user.user_id, minutes * 60).await?;
    let origin = request.origin();
    service::record(&request.state, user.user_id, EventKind::LogoutSettingChanged, &origin).await?;
    Ok(())
}

/// Changes the caller's password; every other session is signed out.
#[server(endpoint = "security/change_password")]
pub async fn change_password(current_password: SecretText, new_password: SecretText) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current()?;
    let user = request.user()?;
    let origin = request.origin();
    super::service::change_password(
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
