//! Handing the practice to a new owner ("Overfør eierskap"), as the second seed post describes
//! it: first clean up what the new owner must not see, then change the login.
//!
//! The old owner names the new owner's address, name and a temporary password; a link goes to
//! that address, and nothing is handed over until it is followed. The hand-over itself is one
//! transaction: the account takes the new login, two-factor is turned off with its recovery
//! codes, every session ends, every browser the account knew is forgotten, and so is every link
//! sent before (a "this wasn't me" link of an earlier address change among them). The security
//! log starts a new chapter, the practice's audit log records the hand-over, the old owner gets a
//! receipt, and the new owner must choose a password of their own at the first sign-in.

use super::store::{self, NewTransfer};
use super::types::{BulkKind, Holdings, PendingTransfer, TransferOverview};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::auth::store::{EmailSet, NewHolder};
use crate::error::{AppError, FieldChecks, Problem};
use crate::fields::{DisplayName, Email};
use crate::i18n::Lang;
use crate::security::service as security;
use crate::security::types::EventKind;
use crate::server::crypto::{new_token, token_hash};
use crate::server::db::begin_write;
use crate::server::mail::Email as Mail;
use crate::server::password::PlainPassword;
use crate::server::request::Origin;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

/// How long the new owner's link confirms the hand-over.
const CONFIRM_LINK_SECS: i64 = 7 * 24 * 3600;

/// What the account holds now, by kind.
pub async fn holdings(state: &AppState, user: &CurrentUser) -> Result<Holdings, AppError> {
    let db = &state.db;
    let practice = user.practice_id;
    let (appointments, bookings) = crate::calendar::store::counts_of_practice(db, practice).await?;
    let (messages, files) = crate::messages::store::counts_of_practice(db, practice).await?;
    Ok(Holdings {
        clients: crate::clients::store::count_of_practice(db, practice).await?,
        appointments,
        journal_entries: crate::journal::store::count_of_practice(db, practice).await?,
        consents: crate::consent::store::count_of_practice(db, practice).await?,
        messages,
        files,
        services: crate::services::store::services(db, practice).await?.len() as i64,
        bookings,
    })
}

pub async fn overview(state: &AppState, user: &CurrentUser) -> Result<TransferOverview, AppError> {
    let pending = store::pending(&state.db, user.user_id).await?.map(|row| PendingTransfer {
        new_email: row.new_email,
        new_name: row.new_name,
        confirmed: row.confirmed_at.is_some(),
    });
    Ok(TransferOverview { holdings: holdings(state, user).await?, pending })
}

/// Deletes the chosen kinds of data in bulk, once the password is given again; each kind is
/// recorded in the practice's audit log. Clients go the way one goes by hand (keys first).
pub async fn delete_in_bulk(
    state: &AppState,
    user: &CurrentUser,
    kinds: &[BulkKind],
    password: PlainPassword,
) -> Result<Holdings, AppError> {
    if kinds.is_empty() {
        return Err(AppError::field("kinds", Problem::NothingChosen));
    }
    security::check_current_password(state, user, password, "password").await?;
    let (db, practice) = (&state.db, user.practice_id);
    for kind in kinds {
        let (action, count) = match kind {
            BulkKind::Clients => {
                (AuditAction::AllClientsDeleted, crate::clients::service::delete_all(state, user).await? as u64)
            }
            BulkKind::Appointments => (
                AuditAction::AllAppointmentsDeleted,
                crate::calendar::store::delete_all_of_practice(db, practice).await?,
            ),
            BulkKind::JournalEntries => {
                (AuditAction::AllJournalsDeleted, crate::journal::store::delete_all_of_practice(db, practice).await?)
            }
            BulkKind::Consents => {
                (AuditAction::AllConsentsDeleted, crate::consent::store::delete_all_of_practice(db, practice).await?)
            }
            BulkKind::Messages => {
                (AuditAction::AllMessagesDeleted, crate::messages::store::delete_all_of_practice(db, practice).await?)
            }
            BulkKind::Services => {
                (AuditAction::AllServicesDeleted, crate::services::store::delete_all_of_practice(db, practice).await?)
            }
        };
        audit::record(db, user, state.clock.now(), action, None, Some(count as i64)).await?;
    }
    crate::server::db::purge_wal(db).await;
    holdings(state, user).await
}

/// What the "new login" step asks for.
pub struct NewOwner<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub temporary_password: String,
    pub password: PlainPassword,
}

/// Starts the hand-over: the new owner's name, address and temporary password are checked, the
/// old owner's password too, and a link goes to the new address (a notice instead, when that
/// address already has an account: the answer is the same).
pub async fn start(
    state: &AppState,
    user: &CurrentUser,
    new_owner: NewOwner<'_>,
    ip: std::net::IpAddr,
    lang: Lang,
) -> Result<(), AppError> {
    let mut checks = FieldChecks::default();
    let name = checks.check("new_name", DisplayName::parse(new_owner.name).map(Some));
    let email = checks.check(
        "new_email",
        Email::parse(new_owner.email)
            .and_then(|email| if email.as_str() == user.email { Err(Problem::SameEmail) } else { Ok(email) })
            .map(Some),
    );
    let email_text = email.as_ref().map(|e| e.as_str().to_string()).unwrap_or_default();
    // Two-factor is off after the hand-over, so the rule for accounts without it applies.
    checks.check(
        "temporary_password",
        crate::auth::types::check_new_password(&new_owner.temporary_password, &email_text, &user.practice_name, false),
    );
    let (Some(name), Some(email)) = checks.finish((name, email))? else { return Err(AppError::Internal) };
    security::check_current_password(state, user, new_owner.password, "password").await?;
    match state.throttle.admit_mail_request("transfer", ip).await? {
        Ok(_) => {}
        Err(retry_after_secs) => return Err(AppError::RateLimited { retry_after_secs }),
    }
    let hash = state.passwords.hash(PlainPassword::new(new_owner.temporary_password)).await;
    let token = new_token();
    let now = state.clock.now();
    store::replace_pending(
        &state.db,
        NewTransfer {
            practice_id: user.practice_id,
            user_id: user.user_id,
            new_email: email.as_str(),
            new_name: name.as_str(),
            password_hash: &hash,
            confirm_hash: &token_hash(&token),
            confirm_expires_at: now + CONFIRM_LINK_SECS,
            now,
        },
    )
    .await?;
    let t = lang.texts();
    let taken = crate::auth::store::user_id_by_email(&state.db, email.as_str()).await?.is_some();
    let (subject, body) = if taken {
        (t.mail_email_taken_subject, t.mail_email_taken_body.to_string())
    } else {
        let link = format!("{}/confirm-transfer?token={token}", state.config.base_url);
        let body = t
            .mail_transfer_confirm_body
            .replace("{name}", name.as_str())
            .replace("{owner}", &user.name)
            .replace("{practice}", &user.practice_name)
            .replace("{link}", &link);
        (t.mail_transfer_confirm_subject, body)
    };
    state.mailer.send_in_background(Mail {
        to: email.as_str().into(),
        attachments: Vec::new(),
        subject: subject.into(),
        body,
    });
    audit::record(&state.db, user, now, AuditAction::TransferStarted, None, None).await?;
    Ok(())
}

/// Forgets the hand-over under way; its link stops working.
pub async fn cancel(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    Ok(store::cancel(&state.db, user.user_id).await?)
}

/// The new owner follows their link: the hand-over may now be completed by the old owner.
pub async fn confirm(state: &AppState, token: &str) -> Result<(), AppError> {
    let invalid = || AppError::Rejected(Problem::InvalidLink);
    if token.is_empty() || token.len() > 100 {
        return Err(invalid());
    }
    if store::confirm(&state.db, &token_hash(token), state.clock.now()).await? { Ok(()) } else { Err(invalid()) }
}

/// The old owner's checklist, ticked.
pub struct Checklist {
    pub exported: bool,
    pub cleaned_up: bool,
    pub told: bool,
}

/// Hands the account over (see the module's notes). Needs every box ticked, the password again,
/// and the new owner's confirmation.
pub async fn complete(
    state: &AppState,
    user: &CurrentUser,
    checklist: Checklist,
    password: PlainPassword,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let mut checks = FieldChecks::default();
    for (field, ticked) in
        [("exported", checklist.exported), ("cleaned_up", checklist.cleaned_up), ("told", checklist.told)]
    {
        checks.check(field, if ticked { Ok(()) } else { Err(Problem::NotTicked) });
    }
    checks.finish(())?;
    security::check_current_password(state, user, password, "password").await?;
    let pending =
        store::pending(&state.db, user.user_id).await?.ok_or(AppError::Conflict(Problem::TransferNotStarted))?;
    if pending.confirmed_at.is_none() {
        let expired = pending.confirm_expires_at <= state.clock.now();
        return Err(AppError::Conflict(if expired {
            Problem::TransferNotStarted
        } else {
            Problem::TransferNotConfirmed
        }));
    }
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    if !store::complete_in(&mut tx, pending.id, now).await? {
        return Err(AppError::Conflict(Problem::TransferNotStarted));
    }
    let holder =
        NewHolder { email: &pending.new_email, name: &pending.new_name, password_hash: &pending.password_hash };
    match crate::auth::store::hand_over_in(&mut tx, user.user_id, holder, now).await? {
        EmailSet::Done => {}
        EmailSet::Taken => return Err(AppError::Conflict(Problem::EmailTaken)),
        EmailSet::NotCurrent => return Err(AppError::Conflict(Problem::TransferNotStarted)),
    }
    crate::two_factor::store::disable_in(&mut tx, user.user_id).await?;
    crate::profile::store::forget_changes_in(&mut tx, user.user_id).await?;
    crate::server::sessions::delete_all_of_in(&mut tx, user.user_id).await?;
    audit::record(&mut *tx, user, now, AuditAction::PracticeTransferred, None, None).await?;
    tx.commit().await?;
    crate::auth::service::end_pending_sign_ins(state, user.user_id).await?;
    security::record(state, user.user_id, EventKind::OwnershipTransferred, origin).await?;

    let t = lang.texts();
    let receipt = t
        .mail_transfer_receipt_body
        .replace("{practice}", &user.practice_name)
        .replace("{email}", &pending.new_email)
        .replace("{name}", &pending.new_name);
    state.mailer.send_in_background(Mail {
        to: user.email.clone(),
        attachments: Vec::new(),
        subject: t.mail_transfer_receipt_subject.into(),
        body: receipt,
    });
    let welcome = t
        .mail_transfer_welcome_body
        .replace("{name}", &pending.new_name)
        .replace("{practice}", &user.practice_name)
        .replace("{link}", &format!("{}/login", state.config.base_url));
    state.mailer.send_in_background(Mail {
        to: pending.new_email,
        attachments: Vec::new(),
        subject: t.mail_transfer_welcome_subject.into(),
        body: welcome,
    });
    Ok(())
}
