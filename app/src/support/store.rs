//! SQL for support staff, lost-2FA requests and their evidence, and the audit log. Nothing here
//! reads a practice's clients, journals or messages.

use sqlx::Row;

use crate::server::db::Db;

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
    set_secret: impl FnOnce(i64) -> Vec<u8>,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let practice_id: i64 = sqlx::query_scalar("INSERT INTO practices (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind("Trygg support")
        .bind(staff.now)
        .fetch_one(&mut *tx)
        .await?;
    let user_id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (practice_id, email, name, password_hash, email_verified_at, created_at, role)
         VALUES ($1, $2, $3, $4, $5, $5, 'support')
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(practice_id)
    .bind(staff.email)
    .bind(staff.name)
    .bind(staff.password_hash)
    .bind(staff.now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else {
        tx.rollback().await?;
        return Ok(None);
    };
    sqlx::query("UPDATE users SET totp_secret = $1, totp_enabled_at = $2 WHERE id = $3")
        .bind(set_secret(user_id))
        .bind(staff.now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(user_id))
}

pub async fn pending_request_of(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM lost_2fa_requests WHERE user_id = $1 AND status = 'pending'")
            .bind(user_id)
            .fetch_one(db)
            .await?;
    Ok(count > 0)
}

pub struct NewRequest<'a> {
    pub user_id: i64,
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

pub struct RequestRow {
    pub id: i64,
    pub user_id: i64,
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

const REQUEST_COLUMNS: &str = "r.id, r.user_id, u.email, u.name, p.name, r.status, r.created_at, r.decided_at,
     r.decided_by, r.reason, r.ip, r.user_agent, r.card_last4
     FROM lost_2fa_requests r JOIN users u ON u.id = r.user_id JOIN practices p ON p.id = u.practice_id";

fn request_row(row: sqlx::any::AnyRow) -> RequestRow {
    RequestRow {
        id: row.get(0),
        user_id: row.get(1),
        email: row.get(2),
        name: row.get(3),
        practice_name: row.get(4),
        status: row.get(5),
        created_at: row.get(6),
        decided_at: row.get(7),
        decided_by: row.get(8),
        reason: row.get(9),
        ip: row.get(10),
        user_agent: row.get(11),
        sealed_card: row.get(12),
    }
}

/// Pending requests first (oldest first), then the latest decided ones.
pub async fn queue(db: &Db, decided_limit: i64) -> Result<Vec<RequestRow>, sqlx::Error> {
    let pending = sqlx::query(&format!("SELECT {REQUEST_COLUMNS} WHERE r.status = 'pending' ORDER BY r.created_at"))
        .fetch_all(db)
        .await?;
    let decided = sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} WHERE r.status <> 'pending' ORDER BY r.decided_at DESC, r.id DESC LIMIT $1"
    ))
    .bind(decided_limit)
    .fetch_all(db)
    .await?;
    Ok(pending.into_iter().chain(decided).map(request_row).collect())
}

pub async fn request(db: &Db, id: i64) -> Result<Option<RequestRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {REQUEST_COLUMNS} WHERE r.id = $1")).bind(id).fetch_optional(db).await?;
    Ok(row.map(request_row))
}

pub async fn request_by_status_token(db: &Db, token_hash: &[u8]) -> Result<Option<RequestRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {REQUEST_COLUMNS} WHERE r.status_token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(db)
        .await?;
    Ok(row.map(request_row))
}

/// The kinds of evidence a request holds, with their content types: the photo first.
pub async fn evidence_kinds(db: &Db, request_id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT kind, content_type FROM lost_2fa_evidence WHERE request_id = $1 ORDER BY kind DESC")
        .bind(request_id)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// One sealed file and its content type.
pub async fn evidence(db: &Db, request_id: i64, kind: &str) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query("SELECT content_type, data FROM lost_2fa_evidence WHERE request_id = $1 AND kind = $2")
        .bind(request_id)
        .bind(kind)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|row| (row.get(0), row.get(1))))
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
pub async fn decide(db: &Db, decision: Decision<'_>) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    let user_id: Option<i64> = sqlx::query_scalar(
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
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM login_challenges WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        // Whoever asked knew the password; after approval it is no factor at all, and the owner
        // sets a new one through a link to the account's address.
        crate::auth::store::require_password_reset_in(&mut tx, user_id).await?;
    }
    tx.commit().await?;
    Ok(Some(user_id))
}

/// Ends the account's pending request without a decision (a sign-in factor changed): the
/// evidence goes, and the support audit log records the cancellation, in one transaction.
pub async fn cancel_pending(db: &Db, user_id: i64, now: i64) -> Result<(), sqlx::Error> {
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
    staff_id: i64,
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
pub async fn viewed_kinds(db: &Db, request_id: i64, staff_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT kind FROM lost_2fa_evidence_views WHERE request_id = $1 AND staff_id = $2")
        .bind(request_id)
        .bind(staff_id)
        .fetch_all(db)
        .await
}

pub struct AuditEntry<'a> {
    pub actor_id: Option<i64>,
    pub actor_email: &'a str,
    pub action: &'a str,
    pub subject_user_id: Option<i64>,
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

pub struct AuditRow {
    pub at: i64,
    pub actor_email: String,
    pub action: String,
    pub subject_email: Option<String>,
    pub request_id: Option<i64>,
}

pub async fn audit_log(db: &Db, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.at, a.actor_email, a.action, u.email, a.request_id
         FROM audit_log a LEFT JOIN users u ON u.id = a.subject_user_id
         ORDER BY a.at DESC, a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditRow {
            at: row.get(0),
            actor_email: row.get(1),
            action: row.get(2),
            subject_email: row.get(3),
            request_id: row.get(4),
        })
        .collect())
}
