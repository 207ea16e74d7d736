//! SQL for the cleanup setting, the clients on hold and the notices sent. Every statement is
//! scoped to one practice.

use sqlx::AnyConnection;

use super::types::{CleanupChoice, DEFAULT_MONTHS};
use crate::ids::{ClientId, PracticeId};
use crate::server::db::Db;

#[derive(sqlx::FromRow)]
struct ChoiceRow {
    enabled: i64,
    retention_months: i64,
}

impl From<ChoiceRow> for CleanupChoice {
    fn from(row: ChoiceRow) -> Self {
        Self { enabled: row.enabled != 0, months: u32::try_from(row.retention_months).unwrap_or(DEFAULT_MONTHS) }
    }
}

/// The practice's choice; off with the default period when it never chose.
pub async fn choice(db: &Db, practice_id: PracticeId) -> Result<CleanupChoice, sqlx::Error> {
    choice_in(&mut *db.acquire().await?, practice_id).await
}

/// [`choice`] in the caller's transaction.
pub async fn choice_in(conn: &mut AnyConnection, practice_id: PracticeId) -> Result<CleanupChoice, sqlx::Error> {
    let row: Option<ChoiceRow> =
        sqlx::query_as("SELECT enabled, retention_months FROM cleanup_settings WHERE practice_id = $1")
            .bind(practice_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map_or(CleanupChoice { enabled: false, months: DEFAULT_MONTHS }, Into::into))
}

pub async fn set_choice_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    choice: CleanupChoice,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO cleanup_settings (practice_id, enabled, retention_months, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (practice_id) DO UPDATE
         SET enabled = excluded.enabled, retention_months = excluded.retention_months, updated_at = excluded.updated_at",
    )
    .bind(practice_id)
    .bind(i64::from(choice.enabled))
    .bind(i64::from(choice.months))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct Enabled {
    pub practice_id: PracticeId,
    pub retention_months: i64,
}

/// The practices that have the cleanup on, with their periods.
pub async fn enabled(db: &Db) -> Result<Vec<Enabled>, sqlx::Error> {
    sqlx::query_as("SELECT practice_id, retention_months FROM cleanup_settings WHERE enabled = 1 ORDER BY practice_id")
        .fetch_all(db)
        .await
}

#[derive(sqlx::FromRow)]
pub struct HoldRow {
    pub client_id: ClientId,
    pub reason_sealed: Vec<u8>,
    pub held_at: i64,
}

/// The practice's clients on hold (or only `client`, in the caller's transaction).
pub async fn holds<'e, E>(db: E, practice_id: PracticeId, client: Option<ClientId>) -> Result<Vec<HoldRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    const ALL: &str = "SELECT client_id, reason_sealed, held_at FROM cleanup_holds WHERE practice_id = $1";
    const ONE: &str =
        "SELECT client_id, reason_sealed, held_at FROM cleanup_holds WHERE practice_id = $1 AND client_id = $2";
    match client {
        None => sqlx::query_as(ALL).bind(practice_id).fetch_all(db).await,
        Some(id) => sqlx::query_as(ONE).bind(practice_id).bind(id).fetch_all(db).await,
    }
}

/// Puts the practice's client on hold (or changes the reason); `false` when the practice has no
/// such client.
pub async fn hold(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
    reason_sealed: &[u8],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let held = sqlx::query(
        "INSERT INTO cleanup_holds (client_id, practice_id, reason_sealed, held_at)
         SELECT id, practice_id, $3, $4 FROM clients WHERE id = $1 AND practice_id = $2
         ON CONFLICT (client_id) DO UPDATE SET reason_sealed = excluded.reason_sealed, held_at = excluded.held_at",
    )
    .bind(client_id)
    .bind(practice_id)
    .bind(reason_sealed)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(held == 1)
}

/// Takes the client off hold; `false` when it was not on hold in this practice.
pub async fn release(db: &Db, practice_id: PracticeId, client_id: ClientId) -> Result<bool, sqlx::Error> {
    let released = sqlx::query("DELETE FROM cleanup_holds WHERE client_id = $1 AND practice_id = $2")
        .bind(client_id)
        .bind(practice_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(released == 1)
}

/// When the practice was told about each client it was told about (or only `client`).
pub async fn notices<'e, E>(
    db: E,
    practice_id: PracticeId,
    client: Option<ClientId>,
) -> Result<Vec<(ClientId, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    const ALL: &str = "SELECT client_id, noticed_at FROM cleanup_notices WHERE practice_id = $1";
    const ONE: &str = "SELECT client_id, noticed_at FROM cleanup_notices WHERE practice_id = $1 AND client_id = $2";
    crate::server::db::per_client(db, ALL, ONE, practice_id, client).await
}

/// Notes that the practice was told about the client now, in the caller's transaction; `false`
/// when it was already (or the client is gone).
pub async fn add_notice_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    client_id: ClientId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO cleanup_notices (client_id, practice_id, noticed_at)
         SELECT id, practice_id, $3 FROM clients WHERE id = $1 AND practice_id = $2
         ON CONFLICT (client_id) DO NOTHING",
    )
    .bind(client_id)
    .bind(practice_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// Forgets a notice that no longer holds (the client became active again, or was put on hold):
/// should the client come due again, the practice is told again.
pub async fn forget_notice(db: &Db, practice_id: PracticeId, client_id: ClientId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM cleanup_notices WHERE client_id = $1 AND practice_id = $2")
        .bind(client_id)
        .bind(practice_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets every notice the practice was given, in the caller's transaction.
pub async fn forget_notices_in(conn: &mut AnyConnection, practice_id: PracticeId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM cleanup_notices WHERE practice_id = $1").bind(practice_id).execute(conn).await?;
    Ok(())
}
