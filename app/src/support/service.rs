//! The lost-2FA process and the support staff who run it. Every step support takes is written to
//! the audit log with their identity, and to the account owner's security log.

use rand::Rng;
use rand::rngs::OsRng;
use sqlx::Row;

use super::store::{self, AuditEntry, Decision, NewRequest, SealedEvidence};
use super::types::{
    AuditAction, AuditView, EvidenceLink, RequestDetail, RequestStatus, RequestStatusView, RequestSummary,
};
use crate::error::{AppError, Problem};
use crate::fields::{DisplayName, Email};
use crate::i18n::Lang;
use crate::ids::UserId;
use crate::security::service as security;
use crate::security::types::EventKind;
use crate::server::crypto::{Binding, MasterKey, new_token, token_hash};
use crate::server::mail::Email as Mail;
use crate::server::password::PlainPassword;
use crate::server::request::Origin;
use crate::server::resealing::{self, MasterSealed};
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;
use crate::two_factor::totp::TotpSecret;

/// What `server support add` prints, once: the sign-in details for the new support person.
pub struct NewStaffAccount {
    pub password: String,
    pub totp_key: String,
    pub otpauth_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AddStaffError {
    #[error("not a valid email address")]
    Email,
    #[error("not a valid name")]
    Name,
    #[error("an account with this email already exists")]
    Exists,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Creates a support account with a generated password and two-factor already on.
pub async fn add_staff(state: &AppState, email: &str, name: &str) -> Result<NewStaffAccount, AddStaffError> {
    let email = Email::parse(email).map_err(|_| AddStaffError::Email)?;
    let name = DisplayName::parse(name).map_err(|_| AddStaffError::Name)?;
    let password = generated_password();
    let hash = state.passwords.hash(PlainPassword::new(password.clone())).await;
    let secret = TotpSecret::generate();
    let staff =
        store::NewStaff { email: email.as_str(), name: name.as_str(), password_hash: &hash, now: state.clock.now() };
    let created = store::create_staff(&state.db, staff, |user_id| {
        let row = format!("user:{user_id}");
        state.master_key.seal(secret.as_bytes(), Binding { purpose: "users.totp_secret", row: &row })
    })
    .await?;
    if created.is_none() {
        return Err(AddStaffError::Exists);
    }
    Ok(NewStaffAccount { password, totp_key: secret.key_in_groups(), otpauth_url: secret.otpauth_url(email.as_str()) })
}

/// 24 characters from 56 unambiguous letters and digits: about 139 bits.
fn generated_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..24).map(|_| ALPHABET[OsRng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// An uploaded file whose content was recognised.
pub struct Upload {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub struct Submission {
    pub photo_id: Upload,
    pub bill: Upload,
    pub card_last4: String,
}

pub(crate) fn evidence_binding<'a>(kind: &'a str, row: &'a str) -> Binding<'a> {
    Binding { purpose: kind, row }
}

/// What the master key's associated data names for the card digits of a lost-2FA request.
const CARD_PURPOSE: &str = "lost_2fa.card_last4";

fn request_row(id: i64) -> String {
    format!("lost_2fa_request:{id}")
}

/// The columns the master key seals directly: a request's card digits and its evidence.
const MASTER_SEALED: [MasterSealed; 2] = [
    MasterSealed {
        select: "SELECT id AS k1, '' AS k2, card_last4 AS v FROM lost_2fa_requests WHERE card_last4 IS NOT NULL",
        update: "UPDATE lost_2fa_requests SET card_last4 = $1 WHERE id = $2",
        binding: |row| Ok((CARD_PURPOSE.to_string(), request_row(row.try_get("k1")?))),
    },
    MasterSealed {
        select: "SELECT request_id AS k1, kind AS k2, data AS v FROM lost_2fa_evidence",
        update: "UPDATE lost_2fa_evidence SET data = $1 WHERE request_id = $2 AND kind = $3",
        binding: |row| {
            let kind: String = row.try_get("k2")?;
            Ok((evidence_purpose(&kind), request_row(row.try_get("k1")?)))
        },
    },
];

/// Seals the card digits and evidence again with the master key's current version (key
/// rotation).
pub async fn reseal_master_sealed(tx: &mut sqlx::AnyConnection, master: &MasterKey) -> Result<u64, AppError> {
    resealing::reseal(tx, master, &MASTER_SEALED).await
}

/// Files a lost-2FA request for the account behind a login challenge (so the requester has
/// proven the password). Evidence is sealed with the master key. Returns the status-link token.
pub async fn submit(
    state: &AppState,
    user_id: UserId,
    email: &str,
    submission: Submission,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<String, AppError> {
    if store::pending_request_of(&state.db, user_id).await? {
        return Err(AppError::Conflict(Problem::RequestPending));
    }
    let token = new_token();
    let now = state.clock.now();
    let ip = origin.ip.to_string();
    let request =
        NewRequest { user_id, status_token_hash: &token_hash(&token), ip: &ip, user_agent: origin.user_agent, now };
    let id = store::create_request(&state.db, request, |id| {
        let row = request_row(id);
        let key = &state.master_key;
        let card = key.seal(submission.card_last4.as_bytes(), evidence_binding(CARD_PURPOSE, &row));
        let files = [(super::types::PHOTO_ID, submission.photo_id), (super::types::BILL, submission.bill)]
            .into_iter()
            .map(|(kind, upload)| SealedEvidence {
                kind,
                content_type: upload.content_type,
                data: key.seal(&upload.bytes, evidence_binding(&evidence_purpose(kind), &row)),
            })
            .collect();
        (card, files)
    })
    .await?;
    let entry = AuditEntry {
        actor_id: Some(user_id),
        actor_email: email,
        action: AuditAction::Submitted.code(),
        subject_user_id: Some(user_id),
        request_id: Some(id),
    };
    store::audit(&state.db, now, entry).await?;
    security::record(state, user_id, EventKind::LostTwoFactorRequested, origin).await?;
    let t = lang.texts();
    state.mailer.send_in_background(Mail {
        to: email.to_string(),
        attachments: Vec::new(),
        subject: t.mail_lost_2fa_received_subject.into(),
        body: t
            .mail_lost_2fa_received_body
            .replace("{link}", &format!("{}/login/lost-2fa/status?token={token}", state.config.base_url)),
    });
    Ok(token)
}

fn evidence_purpose(kind: &str) -> String {
    format!("lost_2fa.evidence.{kind}")
}

pub async fn status(state: &AppState, token: &str) -> Result<RequestStatusView, AppError> {
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::Rejected(Problem::InvalidLink));
    }
    let row = store::request_by_status_token(&state.db, &token_hash(token))
        .await?
        .ok_or(AppError::Rejected(Problem::InvalidLink))?;
    Ok(RequestStatusView {
        status: RequestStatus::from_code(&row.status),
        submitted_secs_ago: state.clock.now() - row.created_at,
        reason: row.reason,
    })
}

fn summary(state: &AppState, row: &store::RequestRow) -> RequestSummary {
    RequestSummary {
        id: row.id,
        email: row.email.clone(),
        name: row.name.clone(),
        practice_name: row.practice_name.clone(),
        status: RequestStatus::from_code(&row.status),
        submitted_secs_ago: state.clock.now() - row.created_at,
    }
}

pub async fn queue(state: &AppState) -> Result<Vec<RequestSummary>, AppError> {
    Ok(store::queue(&state.db, 20).await?.iter().map(|row| summary(state, row)).collect())
}

/// A support person opens a request: recorded in the audit log.
pub async fn detail(state: &AppState, staff: &CurrentUser, id: i64) -> Result<RequestDetail, AppError> {
    let row = store::request(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let card_last4 = match &row.sealed_card {
        Some(sealed) => Some(
            state
                .master_key
                .open(sealed, evidence_binding(CARD_PURPOSE, &request_row(id)))
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| AppError::internal("card digits do not open"))?,
        ),
        None => None,
    };
    let viewed = store::viewed_kinds(&state.db, id, staff.user_id).await?;
    let evidence = store::evidence_kinds(&state.db, id)
        .await?
        .into_iter()
        .map(|(kind, content_type)| EvidenceLink {
            url: format!("/support/evidence/{id}/{kind}"),
            is_image: is_viewable_image(&content_type),
            viewed: viewed.contains(&kind),
            kind,
        })
        .collect();
    audit(state, staff, AuditAction::Opened, row.user_id, id).await?;
    Ok(RequestDetail {
        summary: summary(state, &row),
        card_last4,
        ip: row.ip.clone(),
        device: security::parse_device(&row.user_agent),
        evidence,
        decided_by: row.decided_by.clone(),
        reason: row.reason.clone(),
    })
}

/// Images the browser shows inline; anything else (PDF, HEIC) is downloaded.
fn is_viewable_image(content_type: &str) -> bool {
    matches!(content_type, "image/jpeg" | "image/png" | "image/webp")
}

/// A piece of evidence as support is shown it.
pub struct EvidenceFile {
    pub content_type: String,
    /// Images open in the browser; anything else downloads.
    pub disposition: String,
    pub bytes: Vec<u8>,
}

/// Shown on its own, an evidence file runs nothing and loads nothing; the browser's own image
/// viewer may style itself.
pub const EVIDENCE_POLICY: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

/// One piece of evidence, opened, for a support person. The first opening by each support person
/// is recorded (it counts toward approval) in the audit log and in the owner's security log;
/// opening it again changes nothing, so the route stays a safe GET.
pub async fn evidence_file(
    state: &AppState,
    staff: &CurrentUser,
    id: i64,
    kind: &str,
    origin: &Origin<'_>,
) -> Result<EvidenceFile, AppError> {
    if kind != super::types::PHOTO_ID && kind != super::types::BILL {
        return Err(AppError::NotFound);
    }
    let row = store::request(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let (content_type, sealed) = store::evidence(&state.db, id, kind).await?.ok_or(AppError::NotFound)?;
    let bytes = state
        .master_key
        .open(&sealed, evidence_binding(&evidence_purpose(kind), &request_row(id)))
        .map_err(|_| AppError::internal("evidence does not open"))?;
    if store::mark_evidence_viewed(&state.db, id, kind, staff.user_id, state.clock.now()).await? {
        let action = if kind == super::types::PHOTO_ID { AuditAction::OpenedPhoto } else { AuditAction::OpenedBill };
        audit(state, staff, action, row.user_id, id).await?;
        security::record_by(state, row.user_id, EventKind::LostTwoFactorEvidenceViewed, origin, &staff.name).await?;
    }
    let disposition = if is_viewable_image(&content_type) {
        "inline".to_string()
    } else {
        let extension = content_type.rsplit('/').next().unwrap_or("bin");
        format!("attachment; filename=\"evidence-{id}-{kind}.{extension}\"")
    };
    Ok(EvidenceFile { content_type, disposition, bytes })
}

const REASON_MAX: usize = 1000;

/// What a support person decides, with the proof that approval asks of them.
pub struct DecisionInput<'a> {
    pub approve: bool,
    pub reason: &'a str,
    /// The support person's own password and code, asked again for every approval.
    pub password: PlainPassword,
    pub code: &'a str,
}

/// How long the password link sent with an approval works.
const APPROVAL_RESET_LIFETIME_SECS: i64 = 24 * 3600;

/// Approves or rejects a pending request. The evidence is deleted either way. Approval needs every
/// piece of evidence opened by this support person, and their password and code entered again;
/// it turns two-factor off, signs out every session, voids the password and mails the owner a
/// link to set a new one. A rejection is mailed with its reason.
pub async fn decide(
    state: &AppState,
    staff: &CurrentUser,
    id: i64,
    input: DecisionInput<'_>,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<(), AppError> {
    let reason = input.reason.trim();
    if !input.approve && reason.is_empty() {
        return Err(AppError::field("reason", Problem::Required));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(AppError::field("reason", Problem::TooLong { max: REASON_MAX }));
    }
    if input.approve {
        let viewed = store::viewed_kinds(&state.db, id, staff.user_id).await?;
        let unopened = store::evidence_kinds(&state.db, id).await?.into_iter().any(|(kind, _)| !viewed.contains(&kind));
        if unopened {
            return Err(AppError::Conflict(Problem::EvidenceNotOpened));
        }
        confirm_staff(state, staff, input.password, input.code, origin, ip, lang).await?;
    }
    let by = format!("{} <{}>", staff.name, staff.email);
    let decision = Decision { request_id: id, approve: input.approve, by: &by, reason, now: state.clock.now() };
    let Some(user_id) = store::decide(&state.db, decision).await? else {
        return Err(AppError::Conflict(Problem::AlreadyDecided));
    };
    let (action, kind) = if input.approve {
        (AuditAction::Approved, EventKind::LostTwoFactorApproved)
    } else {
        (AuditAction::Rejected, EventKind::LostTwoFactorRejected)
    };
    audit(state, staff, action, user_id, id).await?;
    audit(state, staff, AuditAction::EvidenceDeleted, user_id, id).await?;
    security::record_by(state, user_id, kind, origin, &staff.name).await?;
    let owner = store::request(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let t = lang.texts();
    let (subject, body) = if input.approve {
        let link = crate::auth::service::new_password_reset_link(state, user_id, APPROVAL_RESET_LIFETIME_SECS).await?;
        (t.mail_lost_2fa_approved_subject, t.mail_lost_2fa_approved_body.replace("{link}", &link))
    } else {
        (t.mail_lost_2fa_rejected_subject, t.mail_lost_2fa_rejected_body.replace("{reason}", reason))
    };
    state.mailer.send_in_background(Mail { to: owner.email, subject: subject.into(), body, attachments: Vec::new() });
    Ok(())
}

/// The support person's own password and code, asked again for a decision that changes someone's
/// account or releases their data. A wrong code counts toward the code lockout.
pub async fn confirm_staff(
    state: &AppState,
    staff: &CurrentUser,
    password: PlainPassword,
    code: &str,
    origin: &Origin<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<(), AppError> {
    if code.trim().is_empty() {
        return Err(AppError::field("code", Problem::Required));
    }
    security::check_current_password(state, staff, password, "password").await?;
    let account = crate::two_factor::service::CodeAccount { user_id: staff.user_id, email: &staff.email };
    crate::two_factor::service::check_counted_code(state, &account, code, "code", origin, ip, lang).await?;
    crate::two_factor::store::clear_code_attempts(&state.db, staff.user_id).await?;
    Ok(())
}

async fn audit(
    state: &AppState,
    staff: &CurrentUser,
    action: AuditAction,
    user_id: UserId,
    id: i64,
) -> Result<(), AppError> {
    record_action(state, staff, action, Some(user_id), id).await
}

/// Writes what a support person did to the operator's audit log.
pub async fn record_action(
    state: &AppState,
    staff: &CurrentUser,
    action: AuditAction,
    user_id: Option<UserId>,
    id: i64,
) -> Result<(), AppError> {
    let entry = AuditEntry {
        actor_id: Some(staff.user_id),
        actor_email: &staff.email,
        action: action.code(),
        subject_user_id: user_id,
        request_id: Some(id),
    };
    Ok(store::audit(&state.db, state.clock.now(), entry).await?)
}

pub async fn audit_log(state: &AppState) -> Result<Vec<AuditView>, AppError> {
    let now = state.clock.now();
    Ok(store::audit_log(&state.db, 200)
        .await?
        .into_iter()
        .map(|row| AuditView {
            secs_ago: now - row.at,
            actor: row.actor_email,
            action: AuditAction::from_code(&row.action),
            account: row.subject_email,
            request_id: row.request_id,
        })
        .collect())
}

/// Recognises an upload by its first bytes, not its name or the browser's claim.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1") {
        Some("image/heic")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_recognised_by_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"\x00\x00\x00\x18ftypheic\x00\x00"), Some("image/heic"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        // A script named photo.jpg, an HTML page, an SVG (which can carry script), nothing.
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf /"), None);
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (a, b) = (generated_password(), generated_password());
        assert_eq!(a.chars().count(), 24);
        assert_ne!(a, b);
    }
}
