//! SQL for consent declarations and requests. Every statement names the practice (and, for
//! requests, the client), except the lookup by a link's token hash, which is the link's only
//! key.

use sqlx::AnyConnection;

use super::types::{RequestStatus, Template};
use crate::i18n::Lang;
use crate::ids::{ClientId, PracticeId};
use crate::server::db::Db;

/// A stored language code; `None` for versions saved before declarations had one.
fn lang(code: Option<String>) -> Option<Lang> {
    code.as_deref().and_then(Lang::from_code)
}

/// One version of a declaration as stored.
#[derive(sqlx::FromRow)]
struct TemplateRow {
    id: i64,
    version: i64,
    title: String,
    body: String,
    lang: Option<String>,
}

impl From<TemplateRow> for Template {
    fn from(row: TemplateRow) -> Self {
        Template { id: row.id, version: row.version, title: row.title, body: row.body, lang: lang(row.lang) }
    }
}

/// The practice's declarations in their current version, oldest first.
pub async fn templates(db: &Db, practice_id: PracticeId) -> Result<Vec<Template>, sqlx::Error> {
    let rows: Vec<TemplateRow> = sqlx::query_as(
        "SELECT t.id AS id, v.version AS version, v.title AS title, v.body AS body, v.lang AS lang
         FROM consent_templates t
         JOIN consent_template_versions v ON v.template_id = t.id
         WHERE t.practice_id = $1
           AND v.version = (SELECT MAX(version) FROM consent_template_versions WHERE template_id = t.id)
         ORDER BY t.id",
    )
    .bind(practice_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Template::from).collect())
}

/// One version of one of the practice's declarations.
pub async fn template_version(
    db: &Db,
    practice_id: PracticeId,
    template_id: i64,
    version: i64,
) -> Result<Option<Template>, sqlx::Error> {
    let row: Option<TemplateRow> = sqlx::query_as(
        "SELECT t.id AS id, v.version AS version, v.title AS title, v.body AS body, v.lang AS lang
         FROM consent_template_versions v JOIN consent_templates t ON t.id = v.template_id
         WHERE t.id = $1 AND t.practice_id = $2 AND v.version = $3",
    )
    .bind(template_id)
    .bind(practice_id)
    .bind(version)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Template::from))
}

/// Marks the practice as given the default declarations; `false` when it was already (by this
/// or a parallel request), so the defaults are added once.
pub async fn claim_defaults(conn: &mut AnyConnection, practice_id: PracticeId) -> Result<bool, sqlx::Error> {
    let added = sqlx::query("INSERT INTO consent_defaults (practice_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(practice_id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(added == 1)
}

pub async fn insert_template(conn: &mut AnyConnection, practice_id: PracticeId, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO consent_templates (practice_id, created_at) VALUES ($1, $2) RETURNING id")
        .bind(practice_id)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// Adds the next version of one of the practice's declarations; `None` when it has no such one.
pub async fn add_version(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    template_id: i64,
    title: &str,
    body: &str,
    lang: Lang,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT COALESCE((SELECT MAX(version) FROM consent_template_versions WHERE template_id = t.id), 0) + 1
         FROM consent_templates t WHERE t.id = $1 AND t.practice_id = $2",
    )
    .bind(template_id)
    .bind(practice_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(version) = next else { return Ok(None) };
    sqlx::query(
        "INSERT INTO consent_template_versions (template_id, version, title, body, lang, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(template_id)
    .bind(version)
    .bind(title)
    .bind(body)
    .bind(lang.code())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(Some(version))
}

pub struct NewRequest<'a> {
    pub practice_id: PracticeId,
    pub client_id: ClientId,
    pub template: &'a Template,
    pub token_hash: &'a [u8],
    pub now: i64,
    pub expires_at: i64,
}

pub async fn insert_request(db: &Db, request: NewRequest<'_>) -> Result<i64, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    // A new request for the same declaration replaces an unanswered one that could still be
    // answered: one live link at a time. Expired ones stay, as history.
    sqlx::query(
        "UPDATE consent_requests SET status = 'revoked'
         WHERE practice_id = $1 AND client_id = $2 AND template_id = $3 AND status IN ('sent', 'opened')
           AND expires_at > $4",
    )
    .bind(request.practice_id)
    .bind(request.client_id)
    .bind(request.template.id)
    .bind(request.now)
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO consent_requests
             (practice_id, client_id, template_id, template_version, token_hash, status, sent_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'sent', $6, $7) RETURNING id",
    )
    .bind(request.practice_id)
    .bind(request.client_id)
    .bind(request.template.id)
    .bind(request.template.version)
    .bind(request.token_hash)
    .bind(request.now)
    .bind(request.expires_at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A request as stored.
#[derive(sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub practice_id: PracticeId,
    pub client_id: ClientId,
    pub template_id: i64,
    #[sqlx(rename = "template_version")]
    pub version: i64,
    pub status: RequestStatus,
    pub sent_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub evidence: Option<Vec<u8>>,
}

/// Selects a [`RequestRow`]; the conditions follow.
macro_rules! select_request {
    ($conditions:literal) => {
        concat!(
            "SELECT id, practice_id, client_id, template_id, template_version, status, sent_at, expires_at,
                    decided_at, evidence
             FROM consent_requests WHERE ",
            $conditions
        )
    };
}

pub async fn request_by_token(db: &Db, token_hash: &[u8]) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(select_request!("token_hash = $1")).bind(token_hash).fetch_optional(db).await
}

/// The client's requests, newest first.
pub async fn requests_of(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(select_request!("practice_id = $1 AND client_id = $2 ORDER BY id DESC"))
        .bind(practice_id)
        .bind(client_id)
        .fetch_all(db)
        .await
}

/// Where one request stands.
#[derive(sqlx::FromRow)]
pub struct StatusRow {
    pub client_id: ClientId,
    pub status: RequestStatus,
    pub expires_at: i64,
}

/// Every request of the practice that was not revoked, oldest first.
pub async fn statuses(db: &Db, practice_id: PracticeId) -> Result<Vec<StatusRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT client_id, status, expires_at FROM consent_requests
         WHERE practice_id = $1 AND status <> 'revoked' ORDER BY id",
    )
    .bind(practice_id)
    .fetch_all(db)
    .await
}

/// A step the client takes through their link, and the statuses it starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// From sent.
    Open,
    /// From sent or opened.
    Sign,
    /// From sent or opened.
    Decline,
    /// From signed.
    Withdraw,
}

impl Step {
    /// The status the step leaves the request in.
    pub fn status(self) -> RequestStatus {
        match self {
            Self::Open => RequestStatus::Opened,
            Self::Sign => RequestStatus::Signed,
            Self::Decline => RequestStatus::Declined,
            Self::Withdraw => RequestStatus::Withdrawn,
        }
    }
}

/// Takes the step with new evidence, only from the statuses it starts from and (but for a
/// withdrawal) while the link is valid; `false` when the request was not in such a state
/// (answered already, revoked, expired). One conditional statement, so two answers at once
/// cannot both pass.
pub async fn advance(db: &Db, id: i64, step: Step, now: i64, evidence: &[u8]) -> Result<bool, sqlx::Error> {
    let sql = match step {
        Step::Open => {
            "UPDATE consent_requests SET status = $1, opened_at = $3, evidence = $2
             WHERE id = $4 AND status = 'sent' AND expires_at > $3"
        }
        // An answer straight from the mail (no page script ran) opens the request as well.
        Step::Sign | Step::Decline => {
            "UPDATE consent_requests SET status = $1, decided_at = $3, opened_at = COALESCE(opened_at, $3), evidence = $2
             WHERE id = $4 AND status IN ('sent', 'opened') AND expires_at > $3"
        }
        Step::Withdraw => {
            "UPDATE consent_requests SET status = $1, withdrawn_at = $3, evidence = $2
             WHERE id = $4 AND status = 'signed'"
        }
    };
    let changed =
        sqlx::query(sql).bind(step.status()).bind(evidence).bind(now).bind(id).execute(db).await?.rows_affected();
    Ok(changed == 1)
}

/// Revokes an unanswered request of the practice's client; `false` when there is none.
pub async fn revoke(db: &Db, practice_id: PracticeId, client_id: ClientId, id: i64) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE consent_requests SET status = 'revoked'
         WHERE id = $1 AND practice_id = $2 AND client_id = $3 AND status IN ('sent', 'opened')",
    )
    .bind(id)
    .bind(practice_id)
    .bind(client_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// One request of the practice's client.
pub async fn request_of(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
    id: i64,
) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(select_request!("id = $1 AND practice_id = $2 AND client_id = $3"))
        .bind(id)
        .bind(practice_id)
        .bind(client_id)
        .fetch_optional(db)
        .await
}

/// Gives an unanswered request of the practice's client a new link (the old one stops working)
/// and a new expiry; `false` when there is no such open request.
pub async fn renew_link(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
    id: i64,
    token_hash: &[u8],
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE consent_requests SET token_hash = $1, expires_at = $2
         WHERE id = $3 AND practice_id = $4 AND client_id = $5 AND status IN ('sent', 'opened')",
    )
    .bind(token_hash)
    .bind(expires_at)
    .bind(id)
    .bind(practice_id)
    .bind(client_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Clients whose newest request for this declaration (not revoked) is signed, with an older
/// version than `current`.
pub async fn signed_older_version(
    db: &Db,
    practice_id: PracticeId,
    template_id: i64,
    current: i64,
) -> Result<Vec<ClientId>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.client_id FROM consent_requests r
         WHERE r.practice_id = $1 AND r.template_id = $2 AND r.status = 'signed' AND r.template_version < $3
           AND r.id = (SELECT MAX(id) FROM consent_requests
                       WHERE client_id = r.client_id AND template_id = r.template_id AND status <> 'revoked')",
    )
    .bind(practice_id)
    .bind(template_id)
    .bind(current)
    .fetch_all(db)
    .await
}

/// The live withdrawal code of a request: the newest one mailed.
#[derive(sqlx::FromRow)]
pub struct CodeRow {
    pub id: i64,
    pub code_hash: Vec<u8>,
}

/// Adds a mailed code (forgetting those sent at `forget_before` or earlier); returns its id.
pub async fn insert_code(
    db: &Db,
    request_id: i64,
    code_hash: &[u8],
    now: i64,
    expires_at: i64,
    forget_before: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query("DELETE FROM consent_withdrawal_codes WHERE request_id = $1 AND sent_at <= $2")
        .bind(request_id)
        .bind(forget_before)
        .execute(db)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO consent_withdrawal_codes (request_id, code_hash, sent_at, expires_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(request_id)
    .bind(code_hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await
}

/// When the codes of the request mailed after `since` and before code `id` were sent, oldest
/// first. Written before counted, so parallel requests each see the ones before them.
pub async fn codes_before(db: &Db, request_id: i64, id: i64, since: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT sent_at FROM consent_withdrawal_codes
         WHERE request_id = $1 AND id < $2 AND sent_at > $3 ORDER BY id",
    )
    .bind(request_id)
    .bind(id)
    .bind(since)
    .fetch_all(db)
    .await
}

pub async fn delete_code(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM consent_withdrawal_codes WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn newest_code(db: &Db, request_id: i64) -> Result<Option<CodeRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, code_hash FROM consent_withdrawal_codes WHERE request_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(request_id)
        .fetch_optional(db)
        .await
}

/// Counts a try with code `id` before it is compared; `false` when the code is used, expired or
/// out of tries. One statement, so parallel guesses cannot share a try.
pub async fn take_try(db: &Db, id: i64, max_tries: i64, now: i64) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "UPDATE consent_withdrawal_codes SET tries = tries + 1
         WHERE id = $1 AND tries < $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(id)
    .bind(max_tries)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Spends code `id`; `false` when it was spent already.
pub async fn use_code(db: &Db, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let used = sqlx::query("UPDATE consent_withdrawal_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(used == 1)
}

/// How many consent requests the client has, whatever their status.
pub async fn count_for_client<'e, E>(db: E, practice_id: PracticeId, client_id: ClientId) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT COUNT(*) FROM consent_requests WHERE practice_id = $1 AND client_id = $2")
        .bind(practice_id)
        .bind(client_id)
        .fetch_one(db)
        .await
}

/// Each client's latest consent step (sent, opened, answered or withdrawn), or only `client`'s: the cleanup job's "last activity".
pub async fn last_activity<'e, E>(
    db: E,
    practice_id: PracticeId,
    client: Option<ClientId>,
) -> Result<Vec<(ClientId, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    const ALL: &str = "SELECT client_id, MAX(COALESCE(withdrawn_at, decided_at, opened_at, sent_at)) FROM consent_requests WHERE practice_id = $1 GROUP BY client_id";
    const ONE: &str = "SELECT client_id, MAX(COALESCE(withdrawn_at, decided_at, opened_at, sent_at)) FROM consent_requests WHERE practice_id = $1 AND client_id = $2 GROUP BY client_id";
    crate::server::db::per_client(db, ALL, ONE, practice_id, client).await
}

/// How many consent requests the practice has sent.
pub async fn count_of_practice(db: &Db, practice_id: PracticeId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM consent_requests WHERE practice_id = $1")
        .bind(practice_id)
        .fetch_one(db)
        .await
}

/// Deletes every consent request of the practice, with its evidence; how many went. The
/// declarations (the practice's own texts) stay.
pub async fn delete_all_of_practice(db: &Db, practice_id: PracticeId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM consent_requests WHERE practice_id = $1").bind(practice_id).execute(db).await?;
    Ok(done.rows_affected())
}
