//! The account rules: sign-up, email verification, login.

use super::store::{self, NewAccount};
use super::types::SignUpInput;
use crate::error::{AppError, Problem};
use crate::fields::Email;
use crate::i18n::Lang;
use crate::ids::UserId;
use crate::security::service as security;
use crate::security::types::EventKind;
use crate::server::alerts;
use crate::server::crypto::{new_token, token_hash};
use crate::server::mail::Email as Mail;
use crate::server::password::PlainPassword;
use crate::server::request::Origin;
use crate::server::sessions::{CurrentUser, Role, SessionToken};
use crate::server::state::AppState;
use crate::server::throttle::{PasswordAttempt, Source};

const VERIFICATION_LIFETIME_SECS: i64 = 24 * 3600;
/// An unverified login gets a new link only when the last one is at least this old.
const RESEND_AFTER_SECS: i64 = 10 * 60;

/// Requests that send mail to an address the caller typed are limited per network.
async fn admit_mail_request(state: &AppState, purpose: &str, ip: std::net::IpAddr) -> Result<(), AppError> {
    match state.throttle.admit_mail_request(purpose, ip).await? {
        Ok(_) => Ok(()),
        Err(retry_after_secs) => Err(AppError::RateLimited { retry_after_secs }),
    }
}

/// Ends this session, and logs the sign-out.
pub async fn log_out(state: &AppState, user: &CurrentUser, origin: &Origin<'_>) -> Result<(), AppError> {
    state.sessions.delete(user.session_id).await?;
    security::record(state, user.user_id, EventKind::SignOut, origin).await?;
    Ok(())
}

/// Creates the practice and account and mails a verification link. When the email already has an
/// account, that owner gets a notice instead; the caller sees the same answer either way, and the
/// password is hashed either way so that the time taken is alike too.
pub async fn sign_up(
    state: &AppState,
    input: SignUpInput,
    password: PlainPassword,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<(), AppError> {
    admit_mail_request(state, "sign-up", ip).await?;
    let password_hash = state.passwords.hash(password).await;
    let created = store::create_account(
        &state.db,
        NewAccount {
            practice_name: input.practice_name.as_str(),
            name: input.name.as_str(),
            email: input.email.as_str(),
            password_hash: &password_hash,
            now: state.clock.now(),
        },
    )
    .await?;
    let t = lang.texts();
    match created {
        Some(user_id) => send_verification(state, user_id, input.name.as_str(), input.email.as_str(), lang).await,
        None => {
            state.mailer.send_in_background(Mail {
                to: input.email.as_str().to_string(),
                attachments: Vec::new(),
                subject: t.mail_exists_subject.into(),
                body: t.mail_exists_body.replace("{link}", &format!("{}/login", state.config.base_url)),
            });
            Ok(())
        }
    }
}

async fn send_verification(
    state: &AppState,
    user_id: UserId,
    name: &str,
    email: &str,
    lang: Lang,
) -> Result<(), AppError> {
    let token = new_token();
    store::add_verification(&state.db, &token_hash(&token), user_id, state.clock.now() + VERIFICATION_LIFETIME_SECS)
        .await?;
    let t = lang.texts();
    let link = format!("{}/verify-email?token={token}", state.config.base_url);
    state.mailer.send_in_background(Mail {
        to: email.to_string(),
        attachments: Vec::new(),
        subject: t.mail_verify_subject.into(),
        body: t.mail_verify_body.replace("{name}", name).replace("{link}", &link),
    });
    Ok(())
}

pub async fn verify_email(state: &AppState, token: &str) -> Result<(), AppError> {
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::Rejected(Problem::InvalidLink));
    }
    if store::consume_verification(&state.db, &token_hash(token), state.clock.now()).await? {
        Ok(())
    } else {
        Err(AppError::Rejected(Problem::InvalidLink))
    }
}

pub struct LoginRequest<'a> {
    pub email: &'a str,
    pub password: PlainPassword,
    pub ip: std::net::IpAddr,
    pub user_agent: &'a str,
    /// The device cookie the browser sent, if any.
    pub device_token: Option<&'a str>,
    pub lang: Lang,
}

/// A completed sign-in: the new session, the token of the browser's device cookie, and the role
/// (which decides where the browser goes).
pub struct SignedIn {
    pub session: SessionToken,
    pub device_token: String,
    pub role: Role,
}

/// What the right password leads to.
pub enum LoggedIn {
    Session(SignedIn),
    /// The account has two-factor sign-in: a challenge token that opens only the code step.
    CodeNeeded(String),
    /// The password was a temporary one: a link to set one's own went to the account's address.
    PasswordChangeMailed,
}

/// How long a browser stays known to an account without signing in to it again.
pub const DEVICE_LIFETIME_SECS: i64 = 180 * 24 * 3600;

/// Forgets browsers unused for `DEVICE_LIFETIME_SECS` and deletes links that have run out:
/// (browsers, verification links, reset links). For the periodic clean-up.
pub async fn purge_expired(state: &AppState) -> Result<(u64, u64, u64), sqlx::Error> {
    let now = state.clock.now();
    let devices = store::forget_devices_unused_since(&state.db, now - DEVICE_LIFETIME_SECS).await?;
    let (links, resets) = store::delete_expired_links(&state.db, now).await?;
    Ok((devices, links, resets))
}

/// Checks the password (unknown emails cost the same argon2 work) and opens a new session, or,
/// for an account with two-factor sign-in, the code step. Attempts are throttled per account and
/// network, per account and per network (see `server::throttle`); a browser known to the account
/// counts only against itself. While a code is still due nothing is forgiven: the attempt counts
/// until the code step completes the sign-in.
pub async fn log_in(state: &AppState, request: LoginRequest<'_>) -> Result<LoggedIn, AppError> {
    let email = Email::parse(request.email).map_err(|problem| AppError::field("email", problem))?;
    let account = store::find_credentials(&state.db, email.as_str()).await?;
    let account_id = account.as_ref().map(|a| a.id);
    let source = password_source(state, account_id, request.device_token, request.ip).await?;
    let attempt = PasswordAttempt { email: email.as_str(), source };
    let admitted = match state.throttle.admit_password(&attempt).await? {
        Ok(admitted) => admitted,
        Err(retry_after_secs) => {
            alerts::rate_limited("sign_in", request.ip);
            return Err(AppError::RateLimited { retry_after_secs });
        }
    };
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let password_ok = state.passwords.verify(request.password, stored_hash).await;
    let origin = Origin { ip: request.ip, user_agent: request.user_agent };
    let account = match account {
        Some(account) if password_ok => account,
        Some(account) => {
            alerts::sign_in_failed(Some(account.id), request.ip);
            security::record(state, account.id, EventKind::SignInFailed, &origin).await?;
            return Err(AppError::Rejected(Problem::WrongCredentials));
        }
        None => {
            alerts::sign_in_failed(None, request.ip);
            return Err(AppError::Rejected(Problem::WrongCredentials));
        }
    };
    if !account.verified {
        state.throttle.forgive(admitted).await?;
        // A fresh link, but not on every attempt: logging in again must not flood a mailbox.
        let now = state.clock.now();
        if !store::verification_sent_since(&state.db, account.id, now - RESEND_AFTER_SECS + VERIFICATION_LIFETIME_SECS)
            .await?
        {
            send_verification(state, account.id, &account.name, email.as_str(), request.lang).await?;
        }
        return Err(AppError::Rejected(Problem::EmailNotVerified));
    }
    // After a hand-over the temporary password only opens the way to a password of one's own,
    // and that way goes through the new owner's mailbox: the old owner, who chose the temporary
    // password and typed the new address, must not be able to take it.
    if account.must_change_password {
        state.throttle.forgive(admitted).await?;
        state.throttle.clear_failures(&attempt).await?;
        let link = new_password_reset_link(state, account.id, RESET_LIFETIME_SECS).await?;
        let t = request.lang.texts();
        state.mailer.send_in_background(Mail {
            to: email.as_str().to_string(),
            attachments: Vec::new(),
            subject: t.mail_first_password_subject.into(),
            body: t.mail_first_password_body.replace("{link}", &format!("{link}&first=1")),
        });
        return Ok(LoggedIn::PasswordChangeMailed);
    }
    // Support staff must have two-factor; an account created otherwise cannot sign in at all.
    if account.two_factor || account.role == Role::Support {
        return Ok(LoggedIn::CodeNeeded(crate::two_factor::service::start_challenge(state, account.id).await?));
    }
    state.throttle.forgive(admitted).await?;
    state.throttle.clear_failures(&attempt).await?;
    let signed_in =
        finish_sign_in(state, account.id, email.as_str(), account.role, &origin, request.device_token, request.lang)
            .await?;
    Ok(LoggedIn::Session(signed_in))
}

/// Where a password attempt for this account counts: a browser that holds the account's device
/// cookie counts only against itself; any other against its network.
pub async fn password_source(
    state: &AppState,
    user_id: Option<UserId>,
    device_token: Option<&str>,
    ip: std::net::IpAddr,
) -> Result<Source, sqlx::Error> {
    if let (Some(user_id), Some(token)) = (user_id, device_token.filter(plausible_token))
        && let Some(device) = store::known_device(&state.db, &token_hash(token), user_id).await?
    {
        return Ok(Source::KnownDevice(device));
    }
    Ok(Source::Network(ip))
}

fn plausible_token(token: &&str) -> bool {
    !token.is_empty() && token.len() <= 100
}

/// The last step of every sign-in (with or without a code): the security log and its new-device
/// notice, a new session, and the browser remembered as known to the account.
pub async fn finish_sign_in(
    state: &AppState,
    user_id: UserId,
    email: &str,
    role: Role,
    origin: &Origin<'_>,
    device_token: Option<&str>,
    lang: Lang,
) -> Result<SignedIn, AppError> {
    security::record_sign_in(state, user_id, email, origin, lang).await?;
    let session = state.sessions.create(user_id, &origin.ip.to_string(), origin.user_agent).await?;
    let now = state.clock.now();
    let known = match device_token.filter(plausible_token) {
        Some(token) => store::known_device(&state.db, &token_hash(token), user_id).await?.map(|id| (id, token)),
        None => None,
    };
    let device_token = match known {
        Some((id, token)) => {
            store::touch_device(&state.db, id, now).await?;
            token.to_string()
        }
        None => {
            let token = new_token();
            store::add_device(&state.db, &token_hash(&token), user_id, now).await?;
            token
        }
    };
    Ok(SignedIn { session, device_token, role })
}

/// The login's code step: the code passes the challenge (`two_factor::service::pass_challenge`),
/// the password failures of this browser's source are forgiven, and a new session starts.
pub async fn complete_login(
    state: &AppState,
    challenge_token: Option<&str>,
    code: &str,
    device_token: Option<&str>,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<SignedIn, AppError> {
    let passed = crate::two_factor::service::pass_challenge(state, challenge_token, code, origin, ip, lang).await?;
    let source = password_source(state, Some(passed.user_id), device_token, ip).await?;
    state.throttle.clear_failures(&PasswordAttempt { email: &passed.email, source }).await?;
    finish_sign_in(state, passed.user_id, &passed.email, passed.role, origin, device_token, lang).await
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
    super::types::check_new_password(new_password.as_str(), &user.email, &user.practice_name, two_factor)
        .map_err(|problem| AppError::field("new_password", problem))?;
    security::check_current_password(state, user, current, "current_password").await?;
    let hash = state.passwords.hash(new_password).await;
    store::set_password_hash(&state.db, user.user_id, &hash).await?;
    state.sessions.delete_others_of_user(user.user_id, user.session_id).await?;
    end_pending_sign_ins(state, user.user_id).await?;
    // Whoever guessed codes knew the old password; the owner's own session proves the new one.
    crate::two_factor::store::clear_code_attempts(&state.db, user.user_id).await?;
    state.sessions.mark_password_confirmed(user.session_id, state.clock.now()).await?;
    security::record(state, user.user_id, EventKind::PasswordChanged, origin).await?;
    security::mail_password_changed(state, &user.email, origin, lang);
    Ok(())
}

/// A sign-in factor changed: logins waiting for their code step and lost-2FA requests waiting
/// for support end, since both were begun with the old password.
pub async fn end_pending_sign_ins(state: &AppState, user_id: UserId) -> Result<(), AppError> {
    crate::two_factor::store::delete_challenges_of(&state.db, user_id).await?;
    crate::support::store::cancel_pending(&state.db, user_id, state.clock.now()).await?;
    Ok(())
}

const RESET_LIFETIME_SECS: i64 = 3600;

/// A single-use link that sets a new password, valid `lifetime_secs`; it replaces any earlier one.
pub async fn new_password_reset_link(
    state: &AppState,
    user_id: UserId,
    lifetime_secs: i64,
) -> Result<String, AppError> {
    let token = new_token();
    store::add_password_reset(&state.db, &token_hash(&token), user_id, state.clock.now() + lifetime_secs).await?;
    Ok(format!("{}/reset-password?token={token}", state.config.base_url))
}

/// "Forgot password": mails a single-use link valid one hour when the address has an account.
/// The caller gets the same answer either way.
pub async fn request_password_reset(
    state: &AppState,
    email: &Email,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<(), AppError> {
    admit_mail_request(state, "reset", ip).await?;
    let Some(user_id) = store::user_id_by_email(&state.db, email.as_str()).await? else {
        return Ok(());
    };
    let link = new_password_reset_link(state, user_id, RESET_LIFETIME_SECS).await?;
    let t = lang.texts();
    state.mailer.send_in_background(Mail {
        to: email.as_str().to_string(),
        attachments: Vec::new(),
        subject: t.mail_reset_subject.into(),
        body: t.mail_reset_body.replace("{link}", &link),
    });
    Ok(())
}

/// Sets a new password through a reset link. The rules are checked before the link is used up,
/// so a refused password leaves the link working. Every session of the account ends, and so do
/// logins waiting for their code and pending lost-2FA requests.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: String,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let invalid = || AppError::Rejected(Problem::InvalidLink);
    if token.is_empty() || token.len() > 100 {
        return Err(invalid());
    }
    let hash = token_hash(token);
    let now = state.clock.now();
    let target = store::reset_target(&state.db, &hash, now).await?.ok_or_else(invalid)?;
    let new_password = PlainPassword::new(new_password);
    super::types::check_new_password(new_password.as_str(), &target.email, &target.practice_name, target.two_factor)
        .map_err(|problem| AppError::field("new_password", problem))?;
    let password_hash = state.passwords.hash(new_password).await;
    if !store::complete_password_reset(&state.db, &hash, target.user_id, &password_hash, now).await? {
        return Err(invalid());
    }
    end_pending_sign_ins(state, target.user_id).await?;
    security::record(state, target.user_id, EventKind::PasswordReset, origin).await?;
    security::mail_password_changed(state, &target.email, origin, lang);
    Ok(())
}
