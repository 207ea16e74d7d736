//! Security rules: parsing devices, recording events, and the "new device" notice.

use super::store;
use super::types::{Device, DeviceKind, EventKind, FRESH_SIGN_IN_SECS};
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::server::mail::Email;
use crate::server::password::PlainPassword;
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

pub struct Origin<'a> {
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn record(state: &AppState, user_id: i64, kind: EventKind, origin: &Origin<'_>) -> Result<(), sqlx::Error> {
    record_by(state, user_id, kind, origin, "").await
}

/// Records an event on the owner's log that someone else caused (`actor`: a support person).
pub async fn record_by(
    state: &AppState,
    user_id: i64,
    kind: EventKind,
    origin: &Origin<'_>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let device = device_key(&parse_device(origin.user_agent));
    let event = store::NewEvent {
        user_id,
        kind,
        at: state.clock.now(),
        ip: origin.ip,
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
    user_id: i64,
    email: &str,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), sqlx::Error> {
    let device = parse_device(origin.user_agent);
    let key = device_key(&device);
    let seen = store::sign_in_count(&state.db, user_id, Some(&key)).await?;
    let any = store::sign_in_count(&state.db, user_id, None).await?;
    let event = store::NewEvent {
        user_id,
        kind: EventKind::SignIn,
        at: state.clock.now(),
        ip: origin.ip,
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
                .replace("{ip}", origin.ip)
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

/// Changes the password: the current one must be right and the new one must pass the rules.
/// Every other session, every login waiting for its code and every pending lost-2FA request end
/// (all began with the old password); the owner is mailed, and the change is logged.
pub async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    current: PlainPassword,
    new_password: PlainPassword,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let two_factor = crate::two_factor::store::two_factor_of(&state.db, user.user_id).await?.enabled_at.is_some();
    crate::auth::types::check_new_password(new_password.as_str(), &user.email, &user.practice_name, two_factor)
        .map_err(|problem| AppError::field("new_password", problem))?;
    check_current_password(state, user, current, "current_password").await?;
    let hash = state.passwords.hash(new_password).await;
    crate::auth::store::set_password_hash(&state.db, user.user_id, &hash).await?;
    state.sessions.delete_others_of_user(user.user_id, user.session_id).await?;
    end_pending_sign_ins(state, user.user_id).await?;
    // Whoever guessed codes knew the old password; the owner's own session proves the new one.
    crate::two_factor::store::clear_code_attempts(&state.db, user.user_id).await?;
    state.sessions.mark_password_confirmed(user.session_id, state.clock.now()).await?;
    record(state, user.user_id, EventKind::PasswordChanged, origin).await?;
    mail_password_changed(state, &user.email, origin, lang);
    Ok(())
}

/// A sign-in factor changed: logins waiting for their code step and lost-2FA requests waiting
/// for support end, since both were begun with the old password.
pub async fn end_pending_sign_ins(state: &AppState, user_id: i64) -> Result<(), AppError> {
    crate::two_factor::store::delete_challenges_of(&state.db, user_id).await?;
    crate::support::service::cancel_pending(state, user_id).await
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
            .replace("{ip}", origin.ip),
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
