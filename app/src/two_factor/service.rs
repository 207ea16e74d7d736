//! The two-factor rules: set-up, codes, recovery codes, turning it off, and the code step that
//! completes a login.

use super::store;
use super::totp::{OneTimeCode, RecoveryCode, TotpSecret, new_recovery_codes};
use super::types::SetupView;
use crate::auth::types::PASSWORD_MIN;
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::security::service::{self as security, Origin};
use crate::security::types::EventKind;
use crate::server::crypto::{Binding, new_token, token_hash};
use crate::server::mail::Email;
use crate::server::password::PlainPassword;
use crate::server::sessions::{CurrentUser, Role, SessionToken};
use crate::server::state::AppState;
use crate::server::throttle::Attempt;

/// How long the code step waits after the password.
pub const CHALLENGE_LIFETIME_SECS: i64 = 15 * 60;
/// How long a secret shown in the wizard can still be confirmed.
const SETUP_LIFETIME_SECS: i64 = 30 * 60;

/// What the master key's associated data names for an account's TOTP secret, and for one shown
/// in the set-up wizard (also used by key rotation).
pub(crate) const SECRET_PURPOSE: &str = "users.totp_secret";
pub(crate) const SETUP_PURPOSE: &str = "totp_setups.secret";

pub(crate) fn secret_binding(row: &str) -> Binding<'_> {
    Binding { purpose: SECRET_PURPOSE, row }
}

pub(crate) fn setup_binding(row: &str) -> Binding<'_> {
    Binding { purpose: SETUP_PURPOSE, row }
}

pub(crate) fn user_row(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// The account's secret, opened. `None` when two-factor is off.
async fn secret_of(state: &AppState, user_id: i64) -> Result<Option<TotpSecret>, AppError> {
    let row = store::two_factor_of(&state.db, user_id).await?;
    let Some(sealed) = row.sealed_secret else { return Ok(None) };
    let opened = state
        .master_key
        .open(&sealed, secret_binding(&user_row(user_id)))
        .map_err(|_| AppError::internal("a TOTP secret does not open with the master key"))?;
    Ok(TotpSecret::from_bytes(opened))
}

/// How a code was proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    Code,
    RecoveryCode,
}

/// Checks a code from the app, or a recovery code, and uses it up: a time step is accepted
/// once, a recovery code once. `Ok(None)` when it is wrong; a field error when it cannot be
/// either kind of code.
pub async fn use_code(state: &AppState, user_id: i64, input: &str, field: &str) -> Result<Option<Proof>, AppError> {
    if let Some(code) = OneTimeCode::parse(input) {
        let Some(secret) = secret_of(state, user_id).await? else { return Ok(None) };
        let Some(step) = secret.matching_step(&code, state.clock.now()) else { return Ok(None) };
        return Ok(store::accept_step(&state.db, user_id, step).await?.then_some(Proof::Code));
    }
    if let Some(code) = RecoveryCode::parse(input) {
        let used = store::use_recovery_code(&state.db, user_id, &code.hash(user_id), state.clock.now()).await?;
        return Ok(used.then_some(Proof::RecoveryCode));
    }
    if input.trim().is_empty() {
        return Err(AppError::field(field, Problem::Required));
    }
    Err(AppError::field(field, Problem::CodeFormat))
}

/// Starts the wizard: a new secret, kept sealed until a code confirms it.
pub async fn begin_setup(state: &AppState, user: &CurrentUser) -> Result<SetupView, AppError> {
    require_fresh(state, user)?;
    if store::two_factor_of(&state.db, user.user_id).await?.enabled_at.is_some() {
        return Err(AppError::Rejected(Problem::TwoFactorAlreadyOn));
    }
    let secret = TotpSecret::generate();
    let row = user_row(user.user_id);
    let sealed = state.master_key.seal(secret.as_bytes(), setup_binding(&row));
    store::save_setup(&state.db, user.user_id, &sealed, state.clock.now()).await?;
    let qr_png_base64 = secret.qr_png_base64(&user.email).map_err(|_| AppError::internal("QR code not drawn"))?;
    Ok(SetupView { qr_png_base64, key: secret.key_in_groups(), account: user.email.clone() })
}

/// Confirms the wizard's secret with a code and turns two-factor on. Other sessions are signed
/// out: they never gave a code. Returns the recovery codes, shown this once.
pub async fn enable(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<Vec<String>, AppError> {
    require_fresh(state, user)?;
    let code = OneTimeCode::parse(code).ok_or_else(|| AppError::field("code", code_problem(code)))?;
    let now = state.clock.now();
    let row = user_row(user.user_id);
    let sealed_setup = store::setup_secret(&state.db, user.user_id, now - SETUP_LIFETIME_SECS)
        .await?
        .ok_or(AppError::Rejected(Problem::SetupExpired))?;
    let secret = state
        .master_key
        .open(&sealed_setup, setup_binding(&row))
        .ok()
        .and_then(TotpSecret::from_bytes)
        .ok_or_else(|| AppError::internal("a set-up secret does not open with the master key"))?;
    let step = secret.matching_step(&code, now).ok_or_else(|| AppError::field("code", Problem::WrongCode))?;
    let codes = new_recovery_codes();
    let hashes = recovery_hashes(user.user_id, &codes);
    let sealed = state.master_key.seal(secret.as_bytes(), secret_binding(&row));
    if !store::enable(&state.db, user.user_id, &sealed, step, now, &hashes).await? {
        return Err(AppError::Rejected(Problem::TwoFactorAlreadyOn));
    }
    crate::security::store::delete_sessions_except(&state.db, user.user_id, user.session_id).await?;
    security::record(state, user.user_id, EventKind::TwoFactorEnabled, origin).await?;
    notify(state, &user.email, lang.texts().mail_2fa_on_subject, lang.texts().mail_2fa_on_body);
    Ok(codes)
}

/// A new set of recovery codes; the old ones stop working.
pub async fn renew_recovery_codes(
    state: &AppState,
    user: &CurrentUser,
    origin: &Origin<'_>,
) -> Result<Vec<String>, AppError> {
    require_fresh(state, user)?;
    let codes = new_recovery_codes();
    if !store::replace_recovery_codes(&state.db, user.user_id, &recovery_hashes(user.user_id, &codes)).await? {
        return Err(AppError::Rejected(Problem::TwoFactorOff));
    }
    security::record(state, user.user_id, EventKind::RecoveryCodesRenewed, origin).await?;
    Ok(codes)
}

/// Turns two-factor off: needs the password and a current code or a recovery code. A password
/// shorter than the minimum without two-factor must be changed first.
pub async fn disable(
    state: &AppState,
    user: &CurrentUser,
    password: PlainPassword,
    code: &str,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<(), AppError> {
    if code.trim().is_empty() {
        return Err(AppError::field("code", Problem::Required));
    }
    let short = password.char_count() < PASSWORD_MIN;
    security::check_current_password(state, user, password, ip, "password").await?;
    if short {
        return Err(AppError::field("password", Problem::PasswordTooShortWithoutTwoFactor { min: PASSWORD_MIN }));
    }
    let attempt = Attempt { email: &user.email, ip };
    let admitted = match state.throttle.admit(&attempt).await? {
        Ok(admitted) => admitted,
        Err(retry_after_secs) => return Err(AppError::RateLimited { retry_after_secs }),
    };
    if use_code(state, user.user_id, code, "code").await?.is_none() {
        return Err(AppError::field("code", Problem::WrongCode));
    }
    state.throttle.succeeded(&attempt, admitted).await?;
    store::disable(&state.db, user.user_id).await?;
    security::record(state, user.user_id, EventKind::TwoFactorDisabled, origin).await?;
    notify(state, &user.email, lang.texts().mail_2fa_off_subject, lang.texts().mail_2fa_off_body);
    Ok(())
}

fn require_fresh(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    if security::is_fresh(state, user) { Ok(()) } else { Err(AppError::Rejected(Problem::FreshSignInRequired)) }
}

fn code_problem(input: &str) -> Problem {
    if input.trim().is_empty() { Problem::Required } else { Problem::CodeFormat }
}

fn recovery_hashes(user_id: i64, codes: &[String]) -> Vec<Vec<u8>> {
    codes.iter().filter_map(|code| RecoveryCode::parse(code)).map(|code| code.hash(user_id)).collect()
}

fn notify(state: &AppState, to: &str, subject: &str, body: &str) {
    state.mailer.send_in_background(Email {
        to: to.to_string(),
        attachments: Vec::new(),
        subject: subject.to_string(),
        body: body.replace("{link}", &format!("{}/settings/security", state.config.base_url)),
    });
}

/// After the right password for an account with two-factor: a token that opens only the code
/// step. It is not a session.
pub async fn start_challenge(state: &AppState, user_id: i64) -> Result<String, AppError> {
    let token = new_token();
    let now = state.clock.now();
    store::create_challenge(&state.db, &token_hash(&token), user_id, now, now + CHALLENGE_LIFETIME_SECS).await?;
    Ok(token)
}

/// The account a login challenge belongs to, or `LoginExpired`.
pub async fn challenge(state: &AppState, token: Option<&str>) -> Result<store::ChallengeRow, AppError> {
    let expired = || AppError::Rejected(Problem::LoginExpired);
    let token = token.filter(|t| !t.is_empty() && t.len() <= 100).ok_or_else(expired)?;
    store::challenge(&state.db, &token_hash(token), state.clock.now()).await?.ok_or_else(expired)
}

/// A completed login: the new session and where to go.
pub struct SignedIn {
    pub token: SessionToken,
    pub role: Role,
}

/// The code step: a code (or recovery code) for the account behind the challenge. Wrong codes
/// count toward the login throttling like wrong passwords. On success the challenge ends and a
/// new session starts.
pub async fn complete_login(
    state: &AppState,
    challenge_token: Option<&str>,
    code: &str,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<SignedIn, AppError> {
    let challenge = challenge(state, challenge_token).await?;
    let attempt = Attempt { email: &challenge.email, ip };
    let admitted = match state.throttle.admit(&attempt).await? {
        Ok(admitted) => admitted,
        Err(retry_after_secs) => return Err(AppError::RateLimited { retry_after_secs }),
    };
    let Some(proof) = use_code(state, challenge.user_id, code, "code").await? else {
        security::record(state, challenge.user_id, EventKind::WrongCode, origin).await?;
        return Err(AppError::field("code", Problem::WrongCode));
    };
    if !store::delete_challenge(&state.db, challenge.id).await? {
        return Err(AppError::Rejected(Problem::LoginExpired));
    }
    state.throttle.succeeded(&attempt, admitted).await?;
    security::record_sign_in(state, challenge.user_id, &challenge.email, origin, lang).await?;
    if proof == Proof::RecoveryCode {
        security::record(state, challenge.user_id, EventKind::RecoveryCodeUsed, origin).await?;
        let left = store::recovery_codes_left(&state.db, challenge.user_id).await?;
        let t = lang.texts();
        let body = t.mail_recovery_used_body.replace("{left}", &left.to_string());
        notify(state, &challenge.email, t.mail_recovery_used_subject, &body);
    }
    let token = state.sessions.create(challenge.user_id, origin.ip, origin.user_agent).await?;
    Ok(SignedIn { token, role: challenge.role })
}
