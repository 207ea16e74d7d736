//! SQL for IP address requests. Every practitioner query is scoped by practice; support's are
//! not, and read no other table.

use sqlx::AnyConnection;

use super::types::IpRequestStatus;
use crate::ids::{ClientId, IpRequestId, PracticeId};
use crate::server::db::{Backend, Db};

const OPEN: &str = "('sent', 'review', 'approved')";

#[derive(sqlx::FromRow)]
pub struct RequestRow {
    pub id: IpRequestId,
    pub practice_id: PracticeId,
    pub client_id: ClientId,
    pub appointment_id: i64,
    pub requested_by: String,
    pub booking_starts_at: i64,
    pub booked_at: i64,
    pub client_reference: Vec<u8>,
    pub reason: Vec<u8>,
    pub status: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub authority_reference: Option<String>,
    pub authority_date: Option<String>,
    pub decision_note: Option<Vec<u8>>,
    pub released_at: Option<i64>,
    pub released_by: Option<String>,
}

impl RequestRow {
    /// The status as it stands now (see [`IpRequestStatus::at`]).
    pub fn status_at(&self, now: i64) -> IpRequestStatus {
        IpRequestStatus::from_code(&self.status).at(self.expires_at, now)
    }
}

const COLUMNS: &str = "id, practice_id, client_id, appointment_id, requested_by, booking_starts_at, booked_at, \
                       client_reference, reason, status, created_at, expires_at, decided_at, decided_by, \
                       authority_reference, authority_date, decision_note, released_at, released_by";

/// Holds the practice's row until the transaction ends, so two requests at once count each other
/// (SQLite's write transaction already holds the whole database).
pub async fn lock_practice_in(
    conn: &mut AnyConnection,
    backend: Backend,
    practice_id: PracticeId,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM practices WHERE id = $1 FOR UPDATE").bind(practice_id).execute(conn).await?;
    }
    Ok(())
}

/// Writes down that the practice's open requests past their time have expired.
pub async fn expire_in(conn: &mut AnyConnection, practice_id: PracticeId, now: i64) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "UPDATE ip_requests SET status = 'expired' WHERE status IN {OPEN} AND expires_at <= $1 AND practice_id = $2"
    );
    Ok(sqlx::query(&sql).bind(now).bind(practice_id).execute(conn).await?.rows_affected())
}

/// Writes down that every practice's open requests past their time have expired.
pub async fn expire_all(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let sql = format!("UPDATE ip_requests SET status = 'expired' WHERE status IN {OPEN} AND expires_at <= $1");
    Ok(sqlx::query(&sql).bind(now).execute(db).await?.rows_affected())
}

pub async fn open_count_in(conn: &mut AnyConnection, practice_id: PracticeId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ip_requests WHERE practice_id = $1 AND status IN {OPEN}"))
        .bind(practice_id)
        .fetch_one(conn)
        .await
}

/// How many open requests the practice has now (those past their time not counted).
pub async fn open_count(db: &Db, practice_id: PracticeId, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM ip_requests WHERE practice_id = $1 AND status IN {OPEN} AND expires_at > $2"
    ))
    .bind(practice_id)
    .bind(now)
    .fetch_one(db)
    .await
}

/// The open request for a booking, if there is one.
pub async fn open_for_booking(
    db: &Db,
    practice_id: PracticeId,
    appointment_id: i64,
    now: i64,
) -> Result<Option<IpRequestId>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM ip_requests WHERE practice_id = $1 AND appointment_id = $2 AND status IN {OPEN}
         AND expires_at > $3"
    ))
    .bind(practice_id)
    .bind(appointment_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub struct NewRequest<'a> {
    pub practice_id: PracticeId,
    pub client_id: ClientId,
    pub appointment_id: i64,
    pub requested_by: &'a str,
    pub booking_starts_at: i64,
    pub booked_at: i64,
    pub now: i64,
    pub expires_at: i64,
}

/// Adds a request with its sealed texts (sealed once its id is known, by `seal`). `None`: the
/// booking has an open request already.
pub async fn insert_in(
    conn: &mut AnyConnection,
    request: NewRequest<'_>,
    seal: impl FnOnce(IpRequestId) -> (Vec<u8>, Vec<u8>),
) -> Result<Option<IpRequestId>, sqlx::Error> {
    let inserted = sqlx::query_scalar(
        "INSERT INTO ip_requests (practice_id, client_id, appointment_id, requested_by, booking_starts_at, booked_at,
                                  client_reference, reason, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) RETURNING id",
    )
    .bind(request.practice_id)
    .bind(request.client_id)
    .bind(request.appointment_id)
    .bind(request.requested_by)
    .bind(request.booking_starts_at)
    .bind(request.booked_at)
    .bind(Vec::<u8>::new())
    .bind(request.now)
    .bind(request.expires_at)
    .fetch_one(&mut *conn)
    .await;
    let id: IpRequestId = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Ok(None),
        Err(error) => return Err(error),
    };
    let (reference, reason) = seal(id);
    sqlx::query("UPDATE ip_requests SET client_reference = $1, reason = $2 WHERE id = $3")
        .bind(reference)
        .bind(reason)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(Some(id))
}

/// One request of the practice (another practice's is `None`).
pub async fn of_practice(db: &Db, practice_id: PracticeId, id: IpRequestId) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM ip_requests WHERE id = $1 AND practice_id = $2"))
        .bind(id)
        .bind(practice_id)
        .fetch_optional(db)
        .await
}

/// The practice's requests, newest first.
pub async fn list(db: &Db, practice_id: PracticeId) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM ip_requests WHERE practice_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200"
    ))
    .bind(practice_id)
    .fetch_all(db)
    .await
}

/// A client's requests, newest first.
pub async fn of_client(db: &Db, practice_id: PracticeId, client_id: ClientId) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM ip_requests WHERE practice_id = $1 AND client_id = $2 ORDER BY created_at DESC, id DESC"
    ))
    .bind(practice_id)
    .bind(client_id)
    .fetch_all(db)
    .await
}

/// Any request, for support.
pub async fn by_id(db: &Db, id: IpRequestId) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM ip_requests WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// Support's queue: open requests first (oldest first), then the latest closed ones.
pub async fn queue(db: &Db, limit: i64) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM ip_requests
         ORDER BY CASE WHEN status IN ('sent', 'review') THEN 0 ELSE 1 END,
                  CASE WHEN status IN ('sent', 'review') THEN created_at ELSE -created_at END, id
         LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Support opened a sent request: it is under review now. `false` when it was not waiting.
pub async fn mark_in_review(db: &Db, id: IpRequestId, now: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE ip_requests SET status = 'review' WHERE id = $1 AND status = 'sent' AND expires_at > $2")
            .bind(id)
            .bind(now)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub struct Decision<'a> {
    pub id: IpRequestId,
    pub approve: bool,
    pub by: &'a str,
    pub case_reference: &'a str,
    pub case_date: &'a str,
    pub note: &'a [u8],
    pub now: i64,
    /// For an approval: until when the practitioner may see the address.
    pub expires_at: i64,
}

/// Records support's decision on an undecided request; `false` when it was decided meanwhile or
/// has expired.
pub async fn decide(db: &Db, decision: Decision<'_>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE ip_requests SET status = $1, decided_at = $2, decided_by = $3, authority_reference = $4,
                authority_date = $5, decision_note = $6, expires_at = $7
         WHERE id = $8 AND status IN ('sent', 'review') AND expires_at > $2",
    )
    .bind(if decision.approve { "approved" } else { "refused" })
    .bind(decision.now)
    .bind(decision.by)
    .bind(decision.case_reference)
    .bind(decision.case_date)
    .bind(decision.note)
    .bind(decision.expires_at)
    .bind(decision.id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks an approved request released, in the release step's transaction; `false` when it was
/// not approved (or no longer), so only one release ever happens.
pub async fn release_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    id: IpRequestId,
    by: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE ip_requests SET status = 'released', released_at = $1, released_by = $2
         WHERE id = $3 AND practice_id = $4 AND status = 'approved' AND expires_at > $1",
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .bind(practice_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The bookings whose details retention keeps: asked about and still open, or approved in the
/// last `approved_secs`.
pub async fn protected_bookings(db: &Db, now: i64, approved_secs: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT appointment_id FROM ip_requests
         WHERE (status IN ('sent', 'review') AND expires_at > $1)
            OR (status IN ('approved', 'released') AND decided_at > $2)",
    )
    .bind(now)
    .bind(now - approved_secs)
    .fetch_all(db)
    .await
}
