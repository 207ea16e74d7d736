//! SQL for accounts (the `users` table, but for the two-factor columns that `two_factor/store.rs`
//! keeps), email verification, password resets and known devices.

use sqlx::AnyConnection;

use crate::ids::{PracticeId, UserId};
use crate::server::db::Db;
use crate::server::sessions::Role;

pub struct UserCredentials {
    pub id: UserId,
    pub password_hash: String,
    pub verified: bool,
    pub name: String,
    pub two_factor: bool,
    pub role: Role,
    /// Set by a hand-over: a password of the account holder's own is needed before anything else.
    pub must_change_password: bool,
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    id: UserId,
    password_hash: String,
    email_verified_at: Option<i64>,
    name: String,
    totp_enabled_at: Option<i64>,
    role: String,
    must_change_password: i64,
}

pub async fn find_credentials(db: &Db, email: &str) -> Result<Option<UserCredentials>, sqlx::Error> {
    let row: Option<CredentialsRow> = sqlx::query_as(
        "SELECT id, password_hash, email_verified_at, name, totp_enabled_at, role, must_change_password
         FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| UserCredentials {
        id: row.id,
        password_hash: row.password_hash,
        verified: row.email_verified_at.is_some(),
        name: row.name,
        two_factor: row.totp_enabled_at.is_some(),
        role: Role::from_code(&row.role),
        must_change_password: row.must_change_password != 0,
    }))
}

/// Who an account is.
pub struct Account {
    pub email: String,
    pub name: String,
    pub role: Role,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    email: String,
    name: String,
    role: String,
}

pub async fn account(db: &Db, user_id: UserId) -> Result<Option<Account>, sqlx::Error> {
    let row: Option<AccountRow> =
        sqlx::query_as("SELECT email, name, role FROM users WHERE id = $1").bind(user_id).fetch_optional(db).await?;
    Ok(row.map(|row| Account { email: row.email, name: row.name, role: Role::from_code(&row.role) }))
}

pub struct NewAccount<'a> {
    pub practice_name: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub now: i64,
}

/// Creates the practice and its owner in one transaction. `None` when the email is taken
/// (also when a parallel sign-up won the race).
pub async fn create_account(db: &Db, account: NewAccount<'_>) -> Result<Option<UserId>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let practice_id = crate::profile::store::create_in(&mut tx, account.practice_name, account.now).await?;
    let user = NewUser {
        practice_id,
        email: account.email,
        name: account.name,
        password_hash: account.password_hash,
        verified_at: None,
        role: Role::Practitioner,
        now: account.now,
    };
    match insert_user_in(&mut tx, user).await? {
        Some(id) => {
            tx.commit().await?;
            Ok(Some(id))
        }
        None => {
            tx.rollback().await?;
            Ok(None)
        }
    }
}

/// An account about to be added to a practice.
pub struct NewUser<'a> {
    pub practice_id: PracticeId,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    /// When the email was proven, if it is already.
    pub verified_at: Option<i64>,
    pub role: Role,
    pub now: i64,
}

/// Adds the account in the caller's transaction; `None` when the email is taken.
pub async fn insert_user_in(conn: &mut AnyConnection, user: NewUser<'_>) -> Result<Option<UserId>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (practice_id, email, name, password_hash, email_verified_at, created_at, role)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(user.practice_id)
    .bind(user.email)
    .bind(user.name)
    .bind(user.password_hash)
    .bind(user.verified_at)
    .bind(user.now)
    .bind(user.role.code())
    .fetch_optional(conn)
    .await
}

pub async fn add_verification(db: &Db, token_hash: &[u8], user_id: UserId, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO email_verifications (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether a verification link expiring after `expires_after` exists, i.e. one sent recently.
pub async fn verification_sent_since(db: &Db, user_id: UserId, expires_after: i64) -> Result<bool, sqlx::Error> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM email_verifications WHERE user_id = $1 AND expires_at > $2")
            .bind(user_id)
            .bind(expires_after)
            .fetch_one(db)
            .await?;
    Ok(count > 0)
}

/// Uses up a verification token: marks the email verified and deletes every token of that user.
/// `false` when the token is unknown or expired.
pub async fn consume_verification(db: &Db, token_hash: &[u8], now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let user_id: Option<UserId> = sqlx::query_scalar(
        "DELETE FROM email_verifications WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else {
        tx.rollback().await?;
        return Ok(false);
    };
    sqlx::query("UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM email_verifications WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

pub struct ResetTarget {
    pub user_id: UserId,
    pub email: String,
    pub practice_name: String,
    pub two_factor: bool,
}

pub async fn user_id_by_email(db: &Db, email: &str) -> Result<Option<UserId>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(db).await
}

/// Replaces any earlier reset link of the user with this one.
pub async fn add_password_reset(
    db: &Db,
    token_hash: &[u8],
    user_id: UserId,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The account a valid, unexpired reset link belongs to. Does not use the link up.
#[derive(sqlx::FromRow)]
struct ResetTargetRow {
    user_id: UserId,
    email: String,
    practice_id: PracticeId,
    totp_enabled_at: Option<i64>,
}

pub async fn reset_target(db: &Db, token_hash: &[u8], now: i64) -> Result<Option<ResetTarget>, sqlx::Error> {
    let row: Option<ResetTargetRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.email AS email, u.practice_id AS practice_id, u.totp_enabled_at AS totp_enabled_at
         FROM password_resets r JOIN users u ON u.id = r.user_id
         WHERE r.token_hash = $1 AND r.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(ResetTarget {
        user_id: row.user_id,
        email: row.email,
        practice_name: crate::profile::store::name_of(db, row.practice_id).await?,
        two_factor: row.totp_enabled_at.is_some(),
    }))
}

/// Uses the link up and sets the new password, in one transaction: the email is now proven, and
/// every session of the account ends. `false` when the link was used meanwhile.
pub async fn complete_password_reset(
    db: &Db,
    token_hash: &[u8],
    user_id: UserId,
    password_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let used = sqlx::query("DELETE FROM password_resets WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if used != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "UPDATE users SET password_hash = $1, email_verified_at = COALESCE(email_verified_at, $2),
                must_change_password = 0
         WHERE id = $3",
    )
    .bind(password_hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    crate::server::sessions::delete_all_of_in(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// The known browser of this account whose device cookie hashes to `token_hash`, if any.
pub async fn known_device(db: &Db, token_hash: &[u8], user_id: UserId) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM known_devices WHERE token_hash = $1 AND user_id = $2")
        .bind(token_hash)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn add_device(db: &Db, token_hash: &[u8], user_id: UserId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn touch_device(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE known_devices SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(db).await?;
    Ok(())
}

pub async fn forget_devices_unused_since(db: &Db, since: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM known_devices WHERE last_used_at <= $1").bind(since).execute(db).await?.rows_affected())
}

/// Stored in place of a password hash when the password must be set again through a reset link:
/// not a PHC string, so no password verifies against it.
const RESET_REQUIRED: &str = "!reset-required";

pub async fn require_password_reset_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(RESET_REQUIRED)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    Ok(())
}

/// Deletes the verification and password links that have run out: (verifications, resets).
pub async fn delete_expired_links(db: &Db, now: i64) -> Result<(u64, u64), sqlx::Error> {
    let verifications =
        sqlx::query("DELETE FROM email_verifications WHERE expires_at <= $1").bind(now).execute(db).await?;
    let resets = sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1").bind(now).execute(db).await?;
    Ok((verifications.rows_affected(), resets.rows_affected()))
}

/// How long the account may stay idle before it is signed out, in seconds.
pub async fn idle_timeout_secs(db: &Db, user_id: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT idle_timeout_secs FROM users WHERE id = $1").bind(user_id).fetch_one(db).await
}

pub async fn set_idle_timeout_secs(db: &Db, user_id: UserId, secs: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET idle_timeout_secs = $1 WHERE id = $2").bind(secs).bind(user_id).execute(db).await?;
    Ok(())
}

/// After how many idle minutes the calendar hides client data.
pub async fn hide_after_idle_minutes(db: &Db, user_id: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT hide_after_idle_minutes FROM users WHERE id = $1").bind(user_id).fetch_one(db).await
}

pub async fn set_hide_after_idle(db: &Db, user_id: UserId, minutes: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET hide_after_idle_minutes = $1 WHERE id = $2")
        .bind(minutes)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn password_hash(db: &Db, user_id: UserId) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_one(db).await
}

pub async fn set_password_hash(db: &Db, user_id: UserId, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The addresses of the practice's practitioners.
pub async fn practitioner_emails(db: &Db, practice_id: PracticeId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT email FROM users WHERE practice_id = $1 AND role = 'practitioner'")
        .bind(practice_id)
        .fetch_all(db)
        .await
}

/// What setting an account's sign-in address came to.
pub enum EmailSet {
    Done,
    /// The account's address is no longer the one expected.
    NotCurrent,
    /// Another account has the address.
    Taken,
}

/// Sets the account's sign-in address (as verified: a link to it was followed), in the caller's
/// transaction; when `from` is given, only while the account has that address. Links sent to the
/// address it had (verification, password reset) stop working.
pub async fn set_email_in(
    conn: &mut AnyConnection,
    user_id: UserId,
    from: Option<&str>,
    to: &str,
    now: i64,
) -> Result<EmailSet, sqlx::Error> {
    let updated = match from {
        Some(from) => {
            sqlx::query("UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3 AND email = $4")
                .bind(to)
                .bind(now)
                .bind(user_id)
                .bind(from)
                .execute(&mut *conn)
                .await
        }
        None => {
            sqlx::query("UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3")
                .bind(to)
                .bind(now)
                .bind(user_id)
                .execute(&mut *conn)
                .await
        }
    };
    match updated {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => return Ok(EmailSet::NotCurrent),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Ok(EmailSet::Taken),
        Err(error) => return Err(error),
    }
    sqlx::query("DELETE FROM email_verifications WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    Ok(EmailSet::Done)
}

/// Sets the account holder's name.
pub async fn set_name(db: &Db, user_id: UserId, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2").bind(name).bind(user_id).execute(db).await?;
    Ok(())
}

/// The account's new holder, as a hand-over sets it.
pub struct NewHolder<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
}

/// Gives the account to a new holder, in the caller's transaction: their address (confirmed by
/// its link) and name, the temporary password they must replace at the first sign-in, and a new
/// chapter of the security log. Every browser the account knew, and every link sent to the old
/// address, is forgotten.
pub async fn hand_over_in(
    conn: &mut AnyConnection,
    user_id: UserId,
    holder: NewHolder<'_>,
    now: i64,
) -> Result<EmailSet, sqlx::Error> {
    match set_email_in(&mut *conn, user_id, None, holder.email, now).await? {
        EmailSet::Done => {}
        other => return Ok(other),
    }
    sqlx::query(
        "UPDATE users SET name = $1, password_hash = $2, must_change_password = 1, idle_timeout_secs = 86400,
                security_log_after = (SELECT COALESCE(MAX(id), 0) FROM security_events WHERE user_id = $3)
         WHERE id = $3",
    )
    .bind(holder.name)
    .bind(holder.password_hash)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM known_devices WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    Ok(EmailSet::Done)
}
