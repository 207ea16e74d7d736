//! SQL for two-factor sign-in: the account's secret and last used step, the set-up secret,
//! recovery codes, and the pending code step of a login. The account's two-factor state lives in
//! the `totp_*` columns of `users`: of the stores, only this one reads or writes them, but for
//! `auth/store.rs` (which owns the rest of the table) reading whether two-factor is on.

use sqlx::AnyConnection;

use crate::ids::UserId;
use crate::server::db::Db;
use crate::server::sessions::Role;

/// The account's two-factor state. The secret is still sealed.
#[derive(sqlx::FromRow)]
pub struct TwoFactorRow {
    #[sqlx(rename = "totp_secret")]
    pub sealed_secret: Option<Vec<u8>>,
    #[sqlx(rename = "totp_enabled_at")]
    pub enabled_at: Option<i64>,
}

pub async fn two_factor_of(db: &Db, user_id: UserId) -> Result<TwoFactorRow, sqlx::Error> {
    sqlx::query_as("SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1").bind(user_id).fetch_one(db).await
}

/// Turns two-factor on with a secret no code has confirmed yet (an account created with it), in
/// the caller's transaction.
pub async fn set_secret_in(
    conn: &mut AnyConnection,
    user_id: UserId,
    sealed: &[u8],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET totp_secret = $1, totp_enabled_at = $2 WHERE id = $3")
        .bind(sealed)
        .bind(now)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps the secret shown in the wizard, replacing one shown before.
pub async fn save_setup(db: &Db, user_id: UserId, sealed: &[u8], now: i64) -> Result<(), sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    sqlx::query("DELETE FROM totp_setups WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO totp_setups (user_id, secret, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(sealed)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The wizard's secret, if shown after `since`.
pub async fn setup_secret(db: &Db, user_id: UserId, since: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT secret FROM totp_setups WHERE user_id = $1 AND created_at > $2")
        .bind(user_id)
        .bind(since)
        .fetch_optional(db)
        .await
}

/// Turns two-factor on with the confirmed secret; the step of the confirming code counts as
/// used. Replaces the recovery codes. `false` when it was already on.
pub async fn enable(
    db: &Db,
    user_id: UserId,
    sealed: &[u8],
    step: i64,
    now: i64,
    recovery_hashes: &[Vec<u8>],
) -> Result<bool, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let changed = sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled_at = $2, totp_last_step = $3
         WHERE id = $4 AND totp_secret IS NULL",
    )
    .bind(sealed)
    .bind(now)
    .bind(step)
    .bind(user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query("DELETE FROM totp_setups WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    insert_recovery_codes(&mut tx, user_id, recovery_hashes).await?;
    tx.commit().await?;
    Ok(true)
}

/// Uses up a time step: succeeds only for a step later than every one used before, in one
/// statement, so the same code sent twice (or in parallel) is accepted once.
pub async fn accept_step(db: &Db, user_id: UserId, step: i64) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_secret IS NOT NULL AND totp_last_step < $1",
    )
    .bind(step)
    .bind(user_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

async fn insert_recovery_codes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: UserId,
    hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A new set of recovery codes; the old set stops working. `false` when two-factor is off.
pub async fn replace_recovery_codes(db: &Db, user_id: UserId, hashes: &[Vec<u8>]) -> Result<bool, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let enabled: Option<i64> =
        sqlx::query_scalar("SELECT totp_enabled_at FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
    if enabled.is_none() {
        tx.rollback().await?;
        return Ok(false);
    }
    insert_recovery_codes(&mut tx, user_id, hashes).await?;
    tx.commit().await?;
    Ok(true)
}

/// Uses up a recovery code, once: of parallel requests with the same code, one succeeds.
pub async fn use_recovery_code(db: &Db, user_id: UserId, hash: &[u8], now: i64) -> Result<bool, sqlx::Error> {
    let changed =
        sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
            .bind(now)
            .bind(user_id)
            .bind(hash)
            .execute(db)
            .await?
            .rows_affected();
    Ok(changed == 1)
}

pub async fn recovery_codes_left(db: &Db, user_id: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// Turns two-factor off: the secret, the set-up and the recovery codes go.
pub async fn disable(db: &Db, user_id: UserId) -> Result<(), sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    disable_in(&mut tx, user_id).await?;
    tx.commit().await
}

pub async fn disable_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM totp_setups WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    Ok(())
}

pub async fn create_challenge(
    db: &Db,
    token_hash: &[u8],
    user_id: UserId,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO login_challenges (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// A login waiting for its code: whose, and what the code step needs to know.
pub struct ChallengeRow {
    pub id: i64,
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
}

pub async fn challenge(db: &Db, token_hash: &[u8], now: i64) -> Result<Option<ChallengeRow>, sqlx::Error> {
    let found: Option<(i64, UserId)> =
        sqlx::query_as("SELECT id, user_id FROM login_challenges WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(db)
            .await?;
    let Some((id, user_id)) = found else { return Ok(None) };
    let account = crate::auth::store::account(db, user_id).await?;
    Ok(account.map(|account| ChallengeRow {
        id,
        user_id,
        email: account.email,
        name: account.name,
        role: account.role,
    }))
}

/// Ends a challenge; `false` when a parallel request ended it first.
pub async fn delete_challenge(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM login_challenges WHERE id = $1").bind(id).execute(db).await?.rows_affected();
    Ok(deleted == 1)
}

/// Counts one code attempt of the account before the code is checked; the count including it.
pub async fn count_code_attempt(db: &Db, user_id: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("UPDATE users SET totp_failures = totp_failures + 1 WHERE id = $1 RETURNING totp_failures")
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// A completed sign-in: wrong codes are counted from zero again.
pub async fn clear_code_attempts(db: &Db, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET totp_failures = 0 WHERE id = $1").bind(user_id).execute(db).await?;
    Ok(())
}

/// Ends every login of the account that waits for its code step (on the pool, or in the
/// caller's transaction).
pub async fn delete_challenges_of<'e, E>(db: E, user_id: UserId) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM login_challenges WHERE user_id = $1").bind(user_id).execute(db).await?;
    Ok(())
}

/// Deletes the logins whose code step has run out.
pub async fn delete_expired_challenges(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1").bind(now).execute(db).await?.rows_affected())
}
