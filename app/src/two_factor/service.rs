//! The two-factor rules: set-up, codes, recovery codes, turning it off, and the login's code
//! step (the sign-in around it is `auth::service`'s).

use sqlx::Row;

use super::store;
use super::totp::{OneTimeCode, RecoveryCode, TotpSecret, new_recovery_codes};
use super::types::SetupView;
use crate::auth::types::PASSWORD_MIN;
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::ids::UserId;
use crate::security::service as security;
use crate::security::types::EventKind;
use crate::server::alerts;
use crate::server::crypto::{Binding, MasterKey, new_token, token_hash};
use crate::server::mail::Email;
use crate::server::password::PlainPassword;
use crate::server::request::Origin;
use crate::server::resealing::{self, MasterSealed};
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

/// How long the code step waits after the password.
pub const CHALLENGE_LIFETIME_SECS: i64 = 15 * 60;
/// How long a secret shown in the wizard can still be confirmed.
const SETUP_LIFETIME_SECS: i64 = 30 * 60;

/// What the master key's associated data names for an account's TOTP secret, and for one shown
/// in the set-up wizard (also used by key rotation).
const SECRET_PURPOSE: &str = "users.totp_secret";
const SETUP_PURPOSE: &str = "totp_setups.secret";

pub(crate) fn secret_binding(row: &str) -> Binding<'_> {
    Binding { purpose: SECRET_PURPOSE, row }
}

pub(crate) fn setup_binding(row: &str) -> Binding<'_> {
    Binding { purpose: SETUP_PURPOSE, row }
}

fn user_row(user_id: UserId) -> String {
    format!("user:{user_id}")
}

/// The account's secret, opened. `None` when two-factor is off.
async fn secret_of(state: &AppState, user_id: UserId) -> Result<Option<TotpSecret>, AppError> {
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

/// Wrong codes in a row after which the code step takes no more codes from the app: whoever
/// types them knows the password. Recovery codes and the lost-2FA path stay open, and only a
/// completed sign-in starts the count again.
pub const MAX_WRONG_CODES: i64 = 10;

/// What was typed at a code step, by its form.
enum TypedCode {
    App(OneTimeCode),
    Recovery(RecoveryCode),
}

fn parse_code(input: &str, field: &str) -> Result<TypedCode, AppError> {
    if let Some(code) = OneTimeCode::parse(input) {
        return Ok(TypedCode::App(code));
    }
    if let Some(code) = RecoveryCode::parse(input) {
        return Ok(TypedCode::Recovery(code));
    }
    Err(AppError::field(field, code_problem(input)))
}

/// Checks a code from the app, or a recovery code, and uses it up: a time step is accepted
/// once, a recovery code once. `None` when it is wrong.
async fn use_code(state: &AppState, user_id: UserId, code: &TypedCode) -> Result<Option<Proof>, AppError> {
    match code {
        TypedCode::App(code) => {
            let Some(secret) = secret_of(state, user_id).await? else { return Ok(None) };
            let Some(step) = secret.matching_step(code, state.clock.now()) else { return Ok(None) };
            Ok(store::accept_step(&state.db, user_id, step).await?.then_some(Proof::Code))
        }
        TypedCode::Recovery(code) => {
            let used = store::use_recovery_code(&state.db, user_id, &code.hash(user_id), state.clock.now()).await?;
            Ok(used.then_some(Proof::RecoveryCode))
        }
    }
}

/// A code step of the account (at sign-in, or turning two-factor off). The attempt is counted
/// *before* the code is checked, so a parallel burst cannot slip past the limit: the k-th
/// attempt sees k. Past [`MAX_WRONG_CODES`] an app code is refused unchecked, even a right one;
/// the tenth wrong code is logged and the owner mailed that someone knows the password.
pub async fn check_counted_code(
    state: &AppState,
    account: &CodeAccount<'_>,
    input: &str,
    field: &str,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<Proof, AppError> {
    let code = parse_code(input, field)?;
    let attempt = store::count_code_attempt(&state.db, account.user_id).await?;
    if matches!(code, TypedCode::App(_)) && attempt > MAX_WRONG_CODES {
        alerts::code_step_locked(account.user_id, ip);
        return Err(AppError::field(field, Problem::CodeStepLocked));
    }
    if let Some(proof) = use_code(state, account.user_id, &code).await? {
        return Ok(proof);
    }
    alerts::wrong_code(account.user_id, ip);
    security::record(state, account.user_id, EventKind::WrongCode, origin).await?;
    if attempt == MAX_WRONG_CODES {
        alerts::code_step_locked(account.user_id, ip);
        security::record(state, account.user_id, EventKind::CodeStepLocked, origin).await?;
        let t = lang.texts();
        let body = t.mail_code_step_locked_body.replace("{max}", &MAX_WRONG_CODES.to_string());
        notify(state, account.email, t.mail_code_step_locked_subject, &body);
    }
    let problem = if attempt >= MAX_WRONG_CODES { Problem::CodeStepLocked } else { Problem::WrongCode };
    Err(AppError::field(field, problem))
}

/// Whose code a code step checks.
pub struct CodeAccount<'a> {
    pub user_id: UserId,
    pub email: &'a str,
}

/// Starts the wizard: a new secret, kept sealed until a code confirms it.
pub async fn begin_setup(state: &AppState, user: &CurrentUser) -> Result<SetupView, AppError> {
    require_fresh(state, user)?;
    if store::two_factor_of(&state.db, user.user_id).await?.enabled_at.is_some() {
        return Err(AppError::Conflict(Problem::TwoFactorAlreadyOn));
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
        return Err(AppError::Conflict(Problem::TwoFactorAlreadyOn));
    }
    state.sessions.delete_others_of_user(user.user_id, user.session_id).await?;
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
    // A new set of codes is a changed sign-in factor: sessions begun before it end.
    state.sessions.delete_others_of_user(user.user_id, user.session_id).await?;
    security::record(state, user.user_id, EventKind::RecoveryCodesRenewed, origin).await?;
    Ok(codes)
}

/// Turns two-factor off: needs the password and a current code or a recovery code. A password
/// shorter than the minimum without two-factor must be changed first. Every other session ends.
pub async fn disable(
    state: &AppState,
    user: &CurrentUser,
    password: PlainPassword,
    code: &str,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<(), AppError> {
    parse_code(code, "code")?;
    let short = password.char_count() < PASSWORD_MIN;
    security::check_current_password(state, user, password, "password").await?;
    if short {
        return Err(AppError::field("password", Problem::PasswordTooShortWithoutTwoFactor { min: PASSWORD_MIN }));
    }
    confirm_code(state, user, code, "code", origin, ip, lang).await?;
    store::disable(&state.db, user.user_id).await?;
    state.sessions.delete_others_of_user(user.user_id, user.session_id).await?;
    security::record(state, user.user_id, EventKind::TwoFactorDisabled, origin).await?;
    notify(state, &user.email, lang.texts().mail_2fa_off_subject, lang.texts().mail_2fa_off_body);
    Ok(())
}

/// The account's code, asked again inside a running session for a sensitive change: limited per
/// network, and counted per account like the login's code step. A wrong one is reported on `field`.
pub async fn confirm_code(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    field: &str,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<Proof, AppError> {
    let admitted = match state.throttle.admit_code(ip).await? {
        Ok(admitted) => admitted,
        Err(retry_after_secs) => {
            alerts::rate_limited("code", ip);
            return Err(AppError::RateLimited { retry_after_secs });
        }
    };
    let account = CodeAccount { user_id: user.user_id, email: &user.email };
    let proof = check_counted_code(state, &account, code, field, origin, ip, lang).await?;
    state.throttle.forgive(admitted).await?;
    Ok(proof)
}

/// Whether what was typed has the shape of an app code or a recovery code, before anything is
/// checked against the account.
pub fn code_shape(input: &str, field: &str) -> Result<(), AppError> {
    parse_code(input, field).map(|_| ())
}

fn require_fresh(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    if security::is_fresh(state, user) { Ok(()) } else { Err(AppError::Rejected(Problem::FreshSignInRequired)) }
}

fn code_problem(input: &str) -> Problem {
    if input.trim().is_empty() { Problem::Required } else { Problem::CodeFormat }
}

fn recovery_hashes(user_id: UserId, codes: &[String]) -> Vec<Vec<u8>> {
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
pub async fn start_challenge(state: &AppState, user_id: UserId) -> Result<String, AppError> {
    let token = new_token();
    let now = state.clock.now();
    store::create_challenge(&state.db, &token_hash(&token), user_id, now, now + CHALLENGE_LIFETIME_SECS).await?;
    Ok(token)
}

/// The columns the master key seals directly: the two-factor keys, set up and being set up.
const MASTER_SEALED: [MasterSealed; 2] = [
    MasterSealed {
        select: "SELECT id AS k1, '' AS k2, totp_secret AS v FROM users WHERE totp_secret IS NOT NULL",
        update: "UPDATE users SET totp_secret = $1 WHERE id = $2",
        binding: |row| Ok((SECRET_PURPOSE.to_string(), user_row(row.try_get("k1")?))),
    },
    MasterSealed {
        select: "SELECT user_id AS k1, '' AS k2, secret AS v FROM totp_setups",
        update: "UPDATE totp_setups SET secret = $1 WHERE user_id = $2",
        binding: |row| Ok((SETUP_PURPOSE.to_string(), user_row(row.try_get("k1")?))),
    },
];

/// Seals the two-factor keys again with the master key's current version (key rotation).
pub async fn reseal_master_sealed(tx: &mut sqlx::AnyConnection, master: &MasterKey) -> Result<u64, AppError> {
    resealing::reseal(tx, master, &MASTER_SEALED).await
}

/// Deletes the logins whose code step has run out. For the periodic clean-up.
pub async fn purge_expired(state: &AppState) -> Result<u64, sqlx::Error> {
    store::delete_expired_challenges(&state.db, state.clock.now()).await
}

/// The account a login challenge belongs to, or `LoginExpired`.
pub async fn challenge(state: &AppState, token: Option<&str>) -> Result<store::ChallengeRow, AppError> {
    let expired = || AppError::Rejected(Problem::LoginExpired);
    let token = token.filter(|t| !t.is_empty() && t.len() <= 100).ok_or_else(expired)?;
    store::challenge(&state.db, &token_hash(token), state.clock.now()).await?.ok_or_else(expired)
}

/// The account whose login challenge a code passed.
pub struct PassedChallenge {
    pub user_id: UserId,
    pub email: String,
    pub role: crate::server::sessions::Role,
}

/// The code step's own part: a code (or recovery code) for the account behind the challenge,
/// counted per network and in the account's own count of wrong codes. On success the challenge
/// ends and the count starts again; a used recovery code is logged and mailed about. Signing in
/// (`auth::service::complete_login`) does the rest.
pub async fn pass_challenge(
    state: &AppState,
    challenge_token: Option<&str>,
    code: &str,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<PassedChallenge, AppError> {
    let challenge = challenge(state, challenge_token).await?;
    let admitted = match state.throttle.admit_code(ip).await? {
        Ok(admitted) => admitted,
        Err(retry_after_secs) => {
            alerts::rate_limited("code", ip);
            return Err(AppError::RateLimited { retry_after_secs });
        }
    };
    let account = CodeAccount { user_id: challenge.user_id, email: &challenge.email };
    let proof = check_counted_code(state, &account, code, "code", origin, ip, lang).await?;
    if !store::delete_challenge(&state.db, challenge.id).await? {
        return Err(AppError::Rejected(Problem::LoginExpired));
    }
    store::clear_code_attempts(&state.db, challenge.user_id).await?;
    state.throttle.forgive(admitted).await?;
    if proof == Proof::RecoveryCode {
        security::record(state, challenge.user_id, EventKind::RecoveryCodeUsed, origin).await?;
        let left = store::recovery_codes_left(&state.db, challenge.user_id).await?;
        let t = lang.texts();
        let body = t.mail_recovery_used_body.replace("{left}", &left.to_string());
        notify(state, &challenge.email, t.mail_recovery_used_subject, &body);
    }
    Ok(PassedChallenge { user_id: challenge.user_id, email: challenge.email, role: challenge.role })
}
