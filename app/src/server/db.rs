//! The database: SQLite by default, PostgreSQL when the URL says so. One `AnyPool`; every query
//! is written once, in the SQL both understand, with `$1`-style parameters.

use std::ops::Deref;
use std::str::FromStr;
use std::time::Duration;

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, ConnectOptions, Either, Execute, Executor};

use crate::ids::{ClientId, PracticeId};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// The pool, and the backend it was opened on: the few statements that differ between SQLite and
/// PostgreSQL ask [`Db::backend`] instead of parsing a URL again. `&Db` runs queries like
/// `&AnyPool` does; pool methods (`begin`, `acquire`, `close`) are reached through `Deref`.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl Deref for Db {
    type Target = AnyPool;

    fn deref(&self) -> &AnyPool {
        &self.pool
    }
}

/// Each method hands the query to the pool's own executor.
impl<'p> Executor<'p> for &Db {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Any>,
    {
        (&self.pool).fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Any>,
    {
        (&self.pool).fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, sqlx::Error>> {
        (&self.pool).prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<sqlx::Describe<Any>, sqlx::Error>> {
        (&self.pool).describe(sql)
    }
}

/// How long a request waits for a database connection before it is answered "unavailable".
/// The pool's own default (30 s) let every request hang that long while PostgreSQL was down.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a SQLite statement waits for a lock held by another connection.
const BUSY_TIMEOUT_MS: u64 = 5000;
/// How long one WAL checkpoint waits for readers on an older snapshot before it tries later.
const CHECKPOINT_WAIT_MS: u64 = 250;
/// Background tries after a blocked checkpoint (backing off to 2 s: about a minute in all).
const CHECKPOINT_RETRIES: u64 = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("cannot create the directory for the SQLite file: {0}")]
    Directory(std::io::Error),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The first migration that needs start-up code to have run before it: 0017 drops the plaintext
/// client columns that start-up first seals (`crate::clients::sealing`).
pub const AFTER_SEALING: i64 = 17;

/// Connects and runs the migrations before [`AFTER_SEALING`]; [`finish_migrations`] runs the
/// rest. A SQLite file is created on first start, in WAL mode.
pub async fn connect(url: &str) -> Result<Db, DbSetupError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url).ok_or(DbSetupError::UnsupportedUrl)?;
    if backend == Backend::Sqlite {
        create_sqlite_dir(url)?;
    }
    let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
    let pool = AnyPoolOptions::new()
        .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // An embedded file cannot drop its connection; skipping the ping before each use saves
        // a round trip to SQLite's worker thread on every request.
        .test_before_acquire(backend == Backend::Postgres)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute(
                        format!(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; \
                             PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;"
                        )
                        .as_str(),
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    if backend == Backend::Sqlite {
        pool.execute("PRAGMA journal_mode = WAL").await?;
    }
    let db = Db { pool, backend };
    let all = db.migrations();
    let before = Migrator {
        migrations: all.iter().filter(|m| m.version < AFTER_SEALING).cloned().collect::<Vec<_>>().into(),
        // A database that already ran the later ones is not refused for them.
        ignore_missing: true,
        locking: all.locking,
        no_tx: all.no_tx,
    };
    before.run(&db.pool).await?;
    Ok(db)
}

/// Runs the migrations from [`AFTER_SEALING`] on, once start-up has done what they need.
pub async fn finish_migrations(db: &Db) -> Result<(), DbSetupError> {
    db.migrations().run(&db.pool).await?;
    Ok(())
}

impl Db {
    fn migrations(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// A transaction that writes. On SQLite it takes the write lock at its start (`BEGIN IMMEDIATE`):
/// a deferred transaction that reads first and writes later fails at once with "database is
/// locked" when another connection wrote in between, instead of waiting its turn.
pub async fn begin_write(db: &Db) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    if db.backend() == Backend::Sqlite { db.begin_with("BEGIN IMMEDIATE").await } else { db.begin().await }
}

/// Whether an error means the database cannot be reached now (rather than that this query is
/// wrong): no connection within [`ACQUIRE_TIMEOUT`], the connection broke, or the server says
/// it is shutting down, starting, or out of connections. Such a request may succeed later.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| is_unavailable_sqlstate(&code)),
        _ => false,
    }
}

/// PostgreSQL's SQLSTATEs for a lost connection (class 08), a server shutting down or not yet
/// accepting connections (57P01–57P03), and too many connections (53300).
fn is_unavailable_sqlstate(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// A fact the database keeps per client, for each of the practice's clients (`all`) or for one
/// (`one`: the same statement narrowed to `$2`): `(client, value)` pairs. The cleanup job asks
/// each feature's store this way for the client's latest activity.
pub async fn per_client<'e, E>(
    db: E,
    all: &'static str,
    one: &'static str,
    practice_id: PracticeId,
    client: Option<ClientId>,
) -> Result<Vec<(ClientId, i64)>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    match client {
        None => sqlx::query_as(all).bind(practice_id).fetch_all(db).await,
        Some(id) => sqlx::query_as(one).bind(practice_id).bind(id).fetch_all(db).await,
    }
}

/// Runs a write that may be skipped, waiting at most `wait_ms` for SQLite's write lock; `false`
/// when another connection held it that long (nothing was written). For writes that the next
/// request makes again anyway (a session's "last seen"), so that a page never waits seconds
/// behind a long run of writes. PostgreSQL has no database-wide write lock: the write just runs.
pub async fn write_unless_busy<F>(db: &Db, wait_ms: u64, write: F) -> Result<bool, sqlx::Error>
where
    F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> BoxFuture<'c, Result<(), sqlx::Error>> + Send + 'static,
{
    let db = db.clone();
    // In a task of its own: should the caller's request be dropped half-way, the wait is still set
    // back before the connection returns to the pool.
    let task = tokio::spawn(async move {
        let mut conn = db.acquire().await?;
        if db.backend() != Backend::Sqlite {
            write(&mut conn).await?;
            return Ok(true);
        }
        (&mut *conn).execute(format!("PRAGMA busy_timeout = {wait_ms}").as_str()).await?;
        let outcome = write(&mut conn).await;
        if (&mut *conn).execute(format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}").as_str()).await.is_err() {
            // Never hand a connection with the short wait back to the pool.
            conn.close_on_drop();
        }
        match outcome {
            Ok(()) => Ok(true),
            Err(sqlx::Error::Database(error)) if error.code().is_some_and(|code| is_busy_code(&code)) => Ok(false),
            Err(error) => Err(error),
        }
    });
    task.await.unwrap_or(Err(sqlx::Error::WorkerCrashed))
}

/// SQLite's "database is locked" (SQLITE_BUSY and its extended codes).
fn is_busy_code(code: &str) -> bool {
    matches!(code, "5" | "261" | "517" | "773")
}

/// Deleted rows are zeroed in the database file (`secure_delete`), but the WAL still holds the
/// pages as they were before, so a copy of `trygg.db-wal` would read out what was deleted. This
/// copies the WAL into the database file and truncates it to nothing. A reader still on an older
/// snapshot blocks that: the first try waits briefly, then a background task tries again, so a
/// deletion neither waits long nor fails because of it. PostgreSQL has nothing to do here.
pub async fn purge_wal(db: &Db) {
    // In a task of its own, like the retries: a checkpoint cut off half-way would return a
    // connection with the short wait to the pool.
    if db.backend() != Backend::Sqlite || tokio::spawn(checkpoint_truncate(db.clone())).await.unwrap_or(false) {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        for attempt in 1..=CHECKPOINT_RETRIES {
            tokio::time::sleep(std::time::Duration::from_millis(250 * attempt.min(8))).await;
            if checkpoint_truncate(db.clone()).await {
                tracing::debug!(attempt, "WAL emptied after deletion");
                return;
            }
        }
        tracing::error!("the WAL could not be emptied after a deletion; the next periodic purge tries again");
    });
}

/// `true` when every WAL frame reached the database file and the WAL was truncated.
async fn checkpoint_truncate(db: Db) -> bool {
    let outcome = async {
        let mut conn = db.acquire().await?;
        (&mut *conn).execute(format!("PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}").as_str()).await?;
        let outcome: Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *conn).await;
        if (&mut *conn).execute(format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}").as_str()).await.is_err() {
            // Never hand a connection with the short wait back to the pool.
            conn.close_on_drop();
        }
        outcome
    }
    .await;
    match outcome {
        Ok((0, _, _)) => true,
        Ok((_, frames, copied)) => {
            tracing::debug!(frames, copied, "WAL checkpoint blocked by a reader");
            false
        }
        Err(error) => {
            tracing::warn!(%error, "WAL checkpoint failed");
            false
        }
    }
}

fn create_sqlite_dir(url: &str) -> Result<(), DbSetupError> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(DbSetupError::Directory),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_unavailable_and_bad_queries_are_not() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(is_unavailable(&sqlx::Error::PoolClosed));
        assert!(is_unavailable(&sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into())));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::Protocol("unexpected message".into())));
        for code in ["08006", "08001", "57P01", "57P03", "53300"] {
            assert!(is_unavailable_sqlstate(code), "{code}");
        }
        for code in ["23505", "42P01", "22001", "5"] {
            assert!(!is_unavailable_sqlstate(code), "{code}");
        }
    }

    /// A query that breaks a rule of the database is a fault of ours, not an outage.
    #[tokio::test]
    async fn a_failing_query_on_a_live_database_is_not_unavailable() {
        let db = connect("sqlite::memory:").await.unwrap();
        let error = sqlx::query("SELECT * FROM no_such_table").execute(&db).await.unwrap_err();
        assert!(!is_unavailable(&error), "{error}");
        db.close().await;
        let error = sqlx::query("SELECT 1").execute(&db).await.unwrap_err();
        assert!(is_unavailable(&error), "{error}");
    }
}
