//! One runner of a background job across every server on the database: a lease row that a
//! holder takes while it is free or run out, keeps alive as it works, and gives back when done.
//! A holder that dies mid-run simply lets its lease run out. Works the same on SQLite and
//! PostgreSQL (one conditional `UPDATE` decides, whoever comes second changes no row).

use super::clock::Clock;
use super::crypto::new_token;
use super::db::Db;

/// A held lease. Dropping it without [`Lease::finish`] leaves it to run out.
pub struct Lease {
    db: Db,
    clock: Clock,
    name: &'static str,
    holder: String,
    ttl: i64,
}

/// Takes the lease `name` for `ttl` seconds if no one holds it (or the holder's ran out) and the
/// job is `due`. `None`: not now.
pub async fn take(
    db: &Db,
    clock: &Clock,
    name: &'static str,
    ttl: i64,
    due: Due,
) -> Result<Option<Lease>, sqlx::Error> {
    let now = clock.now();
    // A job first seen now counts as run now: its first scheduled run is the next one.
    sqlx::query("INSERT INTO job_leases (name, last_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(now)
        .execute(db)
        .await?;
    let last_run_before = match due {
        Due::Now => i64::MAX,
        Due::NotRunSince(moment) => moment - 1,
    };
    let holder = new_token();
    let taken = sqlx::query(
        "UPDATE job_leases SET holder = $1, expires_at = $2
         WHERE name = $3 AND expires_at <= $4 AND (last_run_at IS NULL OR last_run_at <= $5)",
    )
    .bind(&holder)
    .bind(now + ttl)
    .bind(name)
    .bind(now)
    .bind(last_run_before)
    .execute(db)
    .await?
    .rows_affected();
    Ok((taken == 1).then(|| Lease { db: db.clone(), clock: clock.clone(), name, holder, ttl }))
}

/// When a job may run.
#[derive(Clone, Copy, Debug)]
pub enum Due {
    /// Whenever the lease is free (a run by hand).
    Now,
    /// When no run finished at or after this moment (a scheduled run: its slot has come).
    NotRunSince(i64),
}

/// When the job last finished a run.
pub async fn last_run(db: &Db, name: &str) -> Result<Option<i64>, sqlx::Error> {
    let last: Option<Option<i64>> =
        sqlx::query_scalar("SELECT last_run_at FROM job_leases WHERE name = $1").bind(name).fetch_optional(db).await?;
    Ok(last.flatten())
}

impl Lease {
    /// Keeps the lease for another `ttl` from now. `false` when it was lost (it ran out and
    /// another server took it): the caller must stop.
    pub async fn renew(&self) -> Result<bool, sqlx::Error> {
        let renewed = sqlx::query("UPDATE job_leases SET expires_at = $1 WHERE name = $2 AND holder = $3")
            .bind(self.clock.now() + self.ttl)
            .bind(self.name)
            .bind(&self.holder)
            .execute(&self.db)
            .await?
            .rows_affected();
        Ok(renewed == 1)
    }

    /// Gives the lease back; with `finished`, records the run as the last one.
    pub async fn release(self, finished: bool) -> Result<(), sqlx::Error> {
        let query = if finished {
            sqlx::query(
                "UPDATE job_leases SET holder = '', expires_at = 0, last_run_at = $1 WHERE name = $2 AND holder = $3",
            )
            .bind(self.clock.now())
        } else {
            sqlx::query("UPDATE job_leases SET holder = '', expires_at = 0 WHERE name = $1 AND holder = $2")
        };
        query.bind(self.name).bind(&self.holder).execute(&self.db).await?;
        Ok(())
    }
}
