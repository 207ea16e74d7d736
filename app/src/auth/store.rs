//! SQL for practices, accounts and email verification.

use sqlx::Row;

use crate::server::db::Db;
use crate::server::sessions::Role;

pub struct UserCredentials {
    pub id: i64,
    pub password_hash: String,
    pub verified: bool,
    pub name: String,
    pub two_factor: bool,
    pub role: Role,
}

pub async fn find_credentials(db: &Db, email: &str) -> Result<Option<UserCredentials>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, password_hash, email_verified_at, name, totp_enabled_at, role FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| UserCredentials {
        id: row.get(0),
        password_hash: row.get(1),
        verified: row.get::<Option<i64>, _>(2).is_some(),
        name: row.get(3),
        two_factor: row.get::<Option<i64>, _>(4).is_some(),
        role: Role::from_code(&row.get::<String, _>(5)),
    }))
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
pub async fn create_account(db: &Db, account: NewAccount<'_>) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let practice_id: i64 = sqlx::query_scalar("INSERT INTO practices (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(account.practice_name)
        .bind(account.now)
        .fetch_one(&mut *tx)
        .await?;
    let user_id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (practice_id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(practice_id)
    .bind(account.email)
    .bind(account.name)
    .bind(account.password_hash)
    .bind(account.now)
    .fetch_optional(&mut *tx)
    .await?;
    match user_id {
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

pub async fn add_verification(db: &Db, token_hash: &[u8], user_id: i64, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO email_verifications (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether a verification link expiring after `expires_after` exists, i.e. one sent recently.
pub async fn verification_sent_since(db: &Db, user_id: i64, expires_after: i64) -> Result<bool, sqlx::Error> {
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
    let user_id: Option<i64> = sqlx::query_scalar(
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
    pub user_id: i64,
    pub email: String,
    pub practice_name: String,
    pub two_factor: bool,
}

pub async fn user_id_by_email(db: &Db, email: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(db).await
}

/// Replaces any earlier reset link of the user with this one.
pub async fn add_password_reset(db: &Db, token_hash: &[u8], user_id: i64, expires_at: i64) -> Result<(), sqlx::Error> {
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
pub async fn reset_target(db: &Db, token_hash: &[u8], now: i64) -> Result<Option<ResetTarget>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.id, u.email, p.name, u.totp_enabled_at FROM password_resets r
         JOIN users u ON u.id = r.user_id JOIN practices p ON p.id = u.practice_id
         WHERE r.token_hash = $1 AND r.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| ResetTarget {
        user_id: r.get(0),
        email: r.get(1),
        practice_name: r.get(2),
        two_factor: r.get::<Option<i64>, _>(3).is_some(),
    }))
}

/// Uses the link up and sets the new password, in one transaction: the email is now proven, and
/// every session of the account ends. `false` when the link was used meanwhile.
pub async fn complete_password_reset(
    db: &Db,
    token_hash: &[u8],
    user_id: i64,
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
        "UPDATE users SET password_hash = $1, email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $3",
    )
    .bind(password_hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// The known browser of this account whose device cookie hashes to `token_hash`, if any.
pub async fn known_device(db: &Db, token_hash: &[u8], user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM known_devices WHERE token_hash = $1 AND user_id = $2")
        .bind(token_hash)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn add_device(db: &Db, token_hash: &[u8], user_id: i64, now: i64) -> Result<(), sqlx::Error> {
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
    user_id: i64,
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
