//! SQL for support staff, lost-2FA requests and their evidence, and the audit log. Nothing here
//! reads a practice's clients, journals or messages.

use crate::auth::store::NewUser;
use crate::ids::UserId;
use crate::server::db::Db;
use crate::server::sessions::Role;

pub struct NewStaff<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub now: i64,
}

/// Creates a support account (in an operator practice of its own, which holds no client data).
/// Two-factor is set in the same transaction by `set_secret`. `None` when the email is taken.
pub async fn create_staff(
    db: &Db,
    staff: NewStaff<'_>,
    set_secret: impl FnOnce(UserId) -> Vec<u8>,
) -> Result<Option<UserId>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let practice_id = crate::profile::store::create_in(&mut tx, "Trygg support", staff.now).await?;
    let user = NewUser {
        practice_id,
        email: staff.email,
        name: staff.name,
        password_hash: staff.password_hash,
        verified_at: Some(staff.now),
        role: Role::Support,
        now: staff.now,
    };
    let Some(user_id) = crate::auth::store::insert_user_in(&mut tx, user).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    crate::two_factor::store::set_secret_in(&mut tx, user_id, &set_secret(user_id), staff.now).await?;
    tx.commit().await?;
    Ok(Some(user_id))
}

pub async fn pending_request_of(db: &Db, user_id: UserId) -> Result<bool, sqlx::Error> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM lost_2fa_requests WHERE user_id = $1 AND status = 'pending'")
            .bind(user_id)
            .fetch_one(db)
            .await?;
    Ok(count > 0)
}

pub struct NewRequest<'a> {
    pub user_id: UserId,
    pub status_token_hash: &'a [u8],
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub now: i64,
}

/// One piece of evidence, already sealed.
pub struct SealedEvidence {
    pub kind: &'static str,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

/// Stores a request with its evidence in one transaction. The sealing needs the request's id,
/// so `seal` gets it and returns the sealed card digits and files.
pub async fn create_request(
    db: &Db,
    request: NewRequest<'_>,
    seal: impl FnOnce(i64) -> (Vec<u8>, Vec<SealedEvidence>),
) -> Result<i64, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO lost_2fa_requests (user_id, status_token_hash, ip, user_agent, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(request.user_id)
    .bind(request.status_token_hash)
    .bind(request.ip)
    .bind(request.user_agent.chars().take(512).collect::<String>())
    .bind(request.now)
    .fetch_one(&mut *tx)
    .await?;
    let (card, evidence) = seal(id);
    sqlx::query("UPDATE lost_2fa_requests SET card_last4 = $1 WHERE id = $2")
        .bind(card)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for item in evidence {
        sqlx::query("INSERT INTO lost_2fa_evidence (request_id, kind, content_type, data) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(item.kind)
            .bind(item.content_type)
            .bind(item.data)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub practice_name: String,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub sealed_card: Option<Vec<u8>>,
}

// A request is shown with its account's email and name and its practice's name. They are read
// in the same query, though `users` belongs to `auth/store.rs` and `practices` to
// `profile/store.rs`: the queue lists many requests, and a look-up per request would be a
// query per row. Only reads; every write to those tables goes through their owners.
const REQUEST_COLUMNS: &str = "r.id AS id, r.user_id AS user_id, u.email AS email, u.name AS name,
     p.name AS practice_name, r.status AS status, r.created_at AS created_at, r.decided_at AS decided_at,
     r.decided_by AS decided_by, r.reason AS reason, r.ip AS ip, r.user_agent AS user_agent,
     r.card_last4 AS sealed_card
     FROM lost_2fa_requests r JOIN users u ON u.id = r.user_id JOIN practices p ON p.id = u.practice_id";

/// Pending requests first (oldest first), then the latest decided ones.
pub async fn queue(db: &Db, decided_limit: i64) -> Result<Vec<RequestRow>, sqlx::Error> {
    let pending: Vec<RequestRow> =
        sqlx::query_as(&format!("SELECT {REQUEST_COLUMNS} WHERE r.status = 'pending' ORDER BY r.created_at"))
            .fetch_all(db)
            .await?;
    let decided: Vec<RequestRow> = sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} WHERE r.status <> 'pending' ORDER BY r.decided_at DESC, r.id DESC LIMIT $1"
    ))
    .bind(decided_limit)
    .fetch_all(db)
    .await?;
    Ok(pending.into_iter().chain(decided).collect())
}

pub async fn request(db: &Db, id: i64) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {REQUEST_COLUMNS} WHERE r.id = $1")).bind(id).fetch_optional(db).await
}

pub async fn request_by_status_token(db: &Db, token_hash: &[u8]) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {REQUEST_COLUMNS} WHERE r.status_token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(db)
        .await
}

/// The kinds of evidence a request holds, with their content types: the photo first.
pub async fn evidence_kinds(db: &Db, request_id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT kind, content_type FROM lost_2fa_evidence WHERE request_id = $1 ORDER BY kind DESC")
        .bind(request_id)
        .fetch_all(db)
        .await
}

/// One sealed file and its content type.
pub async fn evidence(db: &Db, request_id: i64, kind: &str) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT content_type, data FROM lost_2fa_evidence WHERE request_id = $1 AND kind = $2")
        .bind(request_id)
        .bind(kind)
        .fetch_optional(db)
        .await
}

pub struct Decision<'a> {
    pub request_id: i64,
    pub approve: bool,
    pub by: &'a str,
    pub reason: &'a str,
    pub now: i64,
}

/// Decides a pending request, deletes its evidence, and on approval turns the owner's two-factor
/// off, ends every session and login challenge of the account and voids its password (a reset
/// link sets a new one): all in one transaction. `None`
/// when the request was not pending (decided meanwhile, or never existed).
pub async fn decide(db: &Db, decision: Decision<'_>) -> Result<Option<UserId>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let user_id: Option<UserId> = sqlx::query_scalar(
        "UPDATE lost_2fa_requests SET status = $1, decided_at = $2, decided_by = $3, reason = $4, card_last4 = NULL
         WHERE id = $5 AND status = 'pending' RETURNING user_id",
    )
    .bind(if decision.approve { "approved" } else { "rejected" })
    .bind(decision.now)
    .bind(decision.by)
    .bind(decision.reason)
    .bind(decision.request_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else {
        tx.rollback().await?;
        return Ok(None);
    };
    sqlx::query("DELETE FROM lost_2fa_evidence WHERE request_id = $1")
        .bind(decision.request_id)
        .execute(&mut *tx)
        .await?;
    if decision.approve {
        crate::two_factor::store::disable_in(&mut tx, user_id).await?;
        crate::server::sessions::delete_all_of_in(&mut tx, user_id).await?;
        crate::two_factor::store::delete_challenges_of(&mut *tx, user_id).await?;
        // Whoever asked knew the password; after approval it is no factor at all, and the owner
        // sets a new one through a link to the account's address.
        crate::auth::store::require_password_reset_in(&mut tx, user_id).await?;
    }
    tx.commit().await?;
    Ok(Some(user_id))
}

/// Ends the account's pending request without a decision (a sign-in factor changed): the
/// evidence goes, and the support audit log records the cancellation, in one transaction.
pub async fn cancel_pending(db: &Db, user_id: UserId, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE lost_2fa_requests SET status = 'cancelled', decided_at = $1, card_last4 = NULL
         WHERE user_id = $2 AND status = 'pending' RETURNING id",
    )
    .bind(now)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = id {
        sqlx::query("DELETE FROM lost_2fa_evidence WHERE request_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor_email, action, subject_user_id, request_id)
             VALUES ($1, NULL, '', $2, $3, $4)",
        )
        .bind(now)
        .bind(super::types::AuditAction::Cancelled.code())
        .bind(user_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Notes that a support person opened a piece of evidence. `true` the first time: opening it
/// again changes nothing.
pub async fn mark_evidence_viewed(
    db: &Db,
    request_id: i64,
    kind: &str,
    staff_id: UserId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO lost_2fa_evidence_views (request_id, kind, staff_id, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (request_id, kind, staff_id) DO NOTHING",
    )
    .bind(request_id)
    .bind(kind)
    .bind(staff_id)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// The kinds of a request's evidence this support person has opened.
pub async fn viewed_kinds(db: &Db, request_id: i64, staff_id: UserId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT kind FROM lost_2fa_evidence_views WHERE request_id = $1 AND staff_id = $2")
        .bind(request_id)
        .bind(staff_id)
        .fetch_all(db)
        .await
}

pub struct AuditEntry<'a> {
    pub actor_id: Option<UserId>,
    pub actor_email: &'a str,
    pub action: &'a str,
    pub subject_user_id: Option<UserId>,
    pub request_id: Option<i64>,
}

pub async fn audit(db: &Db, at: i64, entry: AuditEntry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_email, action, subject_user_id, request_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(at)
    .bind(entry.actor_id)
    .bind(entry.actor_email)
    .bind(entry.action)
    .bind(entry.subject_user_id)
    .bind(entry.request_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct AuditRow {
    pub at: i64,
    pub actor_email: String,
    pub action: String,
    pub subject_email: Option<String>,
    pub request_id: Option<i64>,
}

/// The newest entries, each with its subject's current email (read with them, for the reason
/// given at `REQUEST_COLUMNS`).
pub async fn audit_log(db: &Db, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.at AS at, a.actor_email AS actor_email, a.action AS action, u.email AS subject_email,
                a.request_id AS request_id
         FROM audit_log a LEFT JOIN users u ON u.id = a.subject_user_id
         ORDER BY a.at DESC, a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}
