//! Security rules: parsing devices, recording events, and the "new device" notice.

use super::store;
use super::types::{Device, DeviceKind, EventKind, EventView, FRESH_SIGN_IN_SECS, SecuritySettings, SessionView};
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::ids::UserId;
use crate::server::mail::Email;
use crate::server::password::PlainPassword;
use crate::server::request::Origin;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;
use crate::server::throttle::{PasswordAttempt, Source};

/// Reads browser, OS and device class from a User-Agent (woothee).
pub fn parse_device(user_agent: &str) -> Device {
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    let known = |value: &str| if value == woothee::woothee::VALUE_UNKNOWN { String::new() } else { value.to_string() };
    match parsed {
        Some(result) => Device {
            kind: match result.category {
                "pc" => DeviceKind::Computer,
                "smartphone" | "mobilephone" => DeviceKind::Phone,
                _ => DeviceKind::Other,
            },
            browser: known(result.name),
            os: known(result.os),
        },
        None => Device { kind: DeviceKind::Other, browser: String::new(), os: String::new() },
    }
}

/// The key that says whether two sign-ins came from the same kind of device.
pub fn device_key(device: &Device) -> String {
    format!("{:?}|{}|{}", device.kind, device.browser, device.os)
}

pub async fn record(
    state: &AppState,
    user_id: UserId,
    kind: EventKind,
    origin: &Origin<'_>,
) -> Result<(), sqlx::Error> {
    record_by(state, user_id, kind, origin, "").await
}

/// Records an event on the owner's log that someone else caused (`actor`: a support person).
pub async fn record_by(
    state: &AppState,
    user_id: UserId,
    kind: EventKind,
    origin: &Origin<'_>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let device = device_key(&parse_device(origin.user_agent));
    let ip = origin.ip.to_string();
    let event = store::NewEvent {
        user_id,
        kind,
        at: state.clock.now(),
        ip: &ip,
        user_agent: origin.user_agent,
        device: &device,
        detail: actor,
    };
    store::insert_event(&state.db, event).await
}

/// Records a sign-in, and mails the owner when it comes from a device the account has not
/// signed in from before (not for the very first sign-in).
pub async fn record_sign_in(
    state: &AppState,
    user_id: UserId,
    email: &str,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), sqlx::Error> {
    let device = parse_device(origin.user_agent);
    let key = device_key(&device);
    let seen = store::sign_in_count(&state.db, user_id, Some(&key)).await?;
    let any = store::sign_in_count(&state.db, user_id, None).await?;
    let ip = origin.ip.to_string();
    let event = store::NewEvent {
        user_id,
        kind: EventKind::SignIn,
        at: state.clock.now(),
        ip: &ip,
        user_agent: origin.user_agent,
        device: &key,
        detail: "",
    };
    store::insert_event(&state.db, event).await?;
    if seen == 0 && any > 0 {
        let t = lang.texts();
        state.mailer.send_in_background(Email {
            to: email.to_string(),
            attachments: Vec::new(),
            subject: t.mail_new_device_subject.into(),
            body: t
                .mail_new_device_body
                .replace("{device}", &device.describe(t))
                .replace("{ip}", &ip)
                .replace("{link}", &format!("{}/settings/security", state.config.base_url)),
        });
    }
    Ok(())
}

/// Whether this session entered the password within the last 10 minutes.
pub fn is_fresh(state: &AppState, user: &CurrentUser) -> bool {
    state.clock.now() - user.password_confirmed_at < FRESH_SIGN_IN_SECS
}

/// Checks the password again for this session, and opens sensitive changes for 10 minutes.
pub async fn confirm_password(state: &AppState, user: &CurrentUser, password: PlainPassword) -> Result<(), AppError> {
    check_current_password(state, user, password, "password").await?;
    state.sessions.mark_password_confirmed(user.session_id, state.clock.now()).await?;
    Ok(())
}

/// The account's password, checked again inside a running session: wrong guesses count against
/// this session only, so failures elsewhere never lock the owner out of their own settings.
/// A wrong one is reported on `field`.
pub async fn check_current_password(
    state: &AppState,
    user: &CurrentUser,
    password: PlainPassword,
    field: &str,
) -> Result<(), AppError> {
    let attempt = PasswordAttempt { email: &user.email, source: Source::Session(user.session_id) };
    let admitted = match state.throttle.admit_password(&attempt).await? {
        Ok(admitted) => admitted,
        Err(retry_after_secs) => return Err(AppError::RateLimited { retry_after_secs }),
    };
    let stored = crate::auth::store::password_hash(&state.db, user.user_id).await?;
    if !state.passwords.verify(password, Some(stored)).await {
        return Err(AppError::field(field, Problem::WrongPassword));
    }
    state.throttle.forgive(admitted).await?;
    state.throttle.clear_failures(&attempt).await?;
    Ok(())
}

/// Every place the account is signed in: this device first, then by last activity.
pub async fn sessions(state: &AppState, user: &CurrentUser) -> Result<Vec<SessionView>, AppError> {
    let now = state.clock.now();
    let mut sessions: Vec<SessionView> = state
        .sessions
        .of_user(user.user_id)
        .await?
        .into_iter()
        .map(|row| SessionView {
            id: row.id,
            device: parse_device(&row.user_agent),
            ip: row.ip,
            signed_in_secs_ago: now - row.created_at,
            active_secs_ago: now - row.last_seen_at,
            this_device: row.id == user.session_id,
        })
        .collect();
    // A stable sort: the rows come by last activity.
    sessions.sort_by_key(|session| !session.this_device);
    Ok(sessions)
}

/// Signs out one of the account's sessions; `NotFound` for any id that is not one of them.
pub async fn revoke_session(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    origin: &Origin<'_>,
) -> Result<(), AppError> {
    if !state.sessions.delete_of_user(user.user_id, id).await? {
        return Err(AppError::NotFound);
    }
    record(state, user.user_id, EventKind::SessionRevoked, origin).await?;
    Ok(())
}

/// Signs out every session of the account but this one; logged when there was any.
pub async fn revoke_other_sessions(state: &AppState, user: &CurrentUser, origin: &Origin<'_>) -> Result<(), AppError> {
    if state.sessions.delete_others_of_user(user.user_id, user.session_id).await? > 0 {
        record(state, user.user_id, EventKind::SessionRevoked, origin).await?;
    }
    Ok(())
}

/// "This wasn't me" about another session: it ends, and the log says so.
pub async fn not_me(state: &AppState, user: &CurrentUser, id: i64, origin: &Origin<'_>) -> Result<(), AppError> {
    if id == user.session_id || !state.sessions.delete_of_user(user.user_id, id).await? {
        return Err(AppError::NotFound);
    }
    record(state, user.user_id, EventKind::NotMe, origin).await?;
    Ok(())
}

/// The account's 50 latest security events, in the practice's local time.
pub async fn security_log(state: &AppState, user: &CurrentUser) -> Result<Vec<EventView>, AppError> {
    let now = state.clock.now();
    let rows = store::recent_events(&state.db, user.user_id, 50).await?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(EventView {
                kind: EventKind::from_code(&row.kind)?,
                secs_ago: now - row.at,
                at: crate::local_time::moment_text(zone, row.at),
                ip: row.ip,
                device: parse_device(&row.user_agent),
                by: row.detail,
            })
        })
        .collect())
}

pub async fn settings(state: &AppState, user: &CurrentUser) -> Result<SecuritySettings, AppError> {
    let secs = crate::auth::store::idle_timeout_secs(&state.db, user.user_id).await?;
    Ok(SecuritySettings { idle_timeout_minutes: secs / 60, fresh: is_fresh(state, user) })
}

/// Sets the idle time after which every session ends; needs a fresh sign-in.
pub async fn set_idle_timeout(
    state: &AppState,
    user: &CurrentUser,
    minutes: i64,
    origin: &Origin<'_>,
) -> Result<(), AppError> {
    if !is_fresh(state, user) {
        return Err(AppError::Rejected(Problem::FreshSignInRequired));
    }
    crate::auth::store::set_idle_timeout_secs(&state.db, user.user_id, minutes * 60).await?;
    record(state, user.user_id, EventKind::LogoutSettingChanged, origin).await?;
    Ok(())
}

/// Tells the owner the password was changed (or reset), from which device and address.
pub fn mail_password_changed(state: &AppState, to: &str, origin: &Origin<'_>, lang: Lang) {
    let t = lang.texts();
    state.mailer.send_in_background(Email {
        to: to.to_string(),
        attachments: Vec::new(),
        subject: t.mail_password_changed_subject.into(),
        body: t
            .mail_password_changed_body
            .replace("{device}", &parse_device(origin.user_agent).describe(t))
            .replace("{ip}", &origin.ip.to_string()),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_user_agents() {
        let desktop = parse_device(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        );
        assert_eq!(
            (desktop.kind, desktop.browser.as_str(), desktop.os.as_str()),
            (DeviceKind::Computer, "Chrome", "Linux")
        );
        let phone = parse_device(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        );
        assert_eq!((phone.kind, phone.browser.as_str(), phone.os.as_str()), (DeviceKind::Phone, "Safari", "iPhone"));
        let nothing = parse_device("");
        assert_eq!(nothing.kind, DeviceKind::Other);
        assert!(nothing.browser.is_empty());
    }

    #[test]
    fn same_browser_and_os_is_the_same_device() {
        let a = parse_device(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
        );
        let b = parse_device(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0 Safari/537.36",
        );
        let c = parse_device("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        assert_eq!(device_key(&a), device_key(&b));
        assert_ne!(device_key(&a), device_key(&c));
    }
}
