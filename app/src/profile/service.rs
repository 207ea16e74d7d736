//! Profile rules: the account holder's name and sign-in address, and the data processing
//! agreement ("databehandleravtale") as a PDF, made for the practice that asks (the practice as
//! controller, the operator from configuration as processor), and its record in the audit log.
//! The agreement's wording lives in `agreement/{nb,en}.txt`: `#` a title, `##` a heading, `-` a
//! bullet, `@controller` and `@processor` the parties' details, anything else a paragraph.
//!
//! A new sign-in address needs the password (and the code, with two-factor on), and takes effect
//! only when the link mailed to it is followed: no one can move an account to an address they do
//! not read. The old address is then told, with a link that for 7 days undoes the change, ends
//! every session and asks for a new password: whoever changed it knew the password.

use super::store::{self, Confirmed, NewEmailChange};
use super::types::PracticeDetails;
use crate::audit::types::AuditAction;
use crate::error::{AppError, Problem};
use crate::fields::{DisplayName, Email};
use crate::i18n::Lang;
use crate::security::service as security;
use crate::security::types::EventKind;
use crate::server::config::Operator;
use crate::server::crypto::{new_token, token_hash};
use crate::server::mail::Email as Mail;
use crate::server::password::PlainPassword;
use crate::server::pdf::Document;
use crate::server::request::Origin;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

/// How long the link to a new address confirms the change.
const CONFIRM_LINK_SECS: i64 = 24 * 3600;
/// How long the old address may undo a change.
pub const REVERT_WINDOW_SECS: i64 = 7 * 24 * 3600;
/// How long the password link mailed with an undone change works.
const RESET_AFTER_REVERT_SECS: i64 = 24 * 3600;

/// Sets the account holder's name; returns it as stored.
pub async fn change_name(state: &AppState, user: &CurrentUser, name: &str) -> Result<String, AppError> {
    let name = DisplayName::parse(name).map_err(|problem| AppError::field("name", problem))?;
    crate::auth::store::set_name(&state.db, user.user_id, name.as_str()).await?;
    Ok(name.as_str().to_string())
}

/// A request to move the account to another sign-in address.
pub struct EmailChangeRequest<'a> {
    pub new_email: &'a str,
    pub password: PlainPassword,
    pub code: &'a str,
    pub origin: Origin<'a>,
    pub lang: Lang,
}

/// Checks the password (and the code with two-factor on) and mails a confirmation link to the new
/// address. An address that already has an account gets a notice instead of the link; the caller
/// sees the same answer either way, so the form cannot be used to find out who has an account.
pub async fn request_email_change(
    state: &AppState,
    user: &CurrentUser,
    request: EmailChangeRequest<'_>,
) -> Result<(), AppError> {
    let new_email = Email::parse(request.new_email).map_err(|problem| AppError::field("new_email", problem))?;
    if new_email.as_str() == user.email {
        return Err(AppError::field("new_email", Problem::SameEmail));
    }
    let two_factor = crate::two_factor::store::two_factor_of(&state.db, user.user_id).await?.enabled_at.is_some();
    if two_factor {
        crate::two_factor::service::code_shape(request.code, "code")?;
    }
    security::check_current_password(state, user, request.password, "password").await?;
    let ip = request.origin.ip;
    if two_factor {
        crate::two_factor::service::confirm_code(state, user, request.code, "code", &request.origin, ip, request.lang)
            .await?;
    }
    match state.throttle.admit_mail_request("email-change", ip).await? {
        Ok(_) => {}
        Err(retry_after_secs) => return Err(AppError::RateLimited { retry_after_secs }),
    }
    let token = new_token();
    let now = state.clock.now();
    store::replace_pending_change(
        &state.db,
        NewEmailChange {
            user_id: user.user_id,
            old_email: &user.email,
            new_email: new_email.as_str(),
            confirm_hash: &token_hash(&token),
            confirm_expires_at: now + CONFIRM_LINK_SECS,
            now,
        },
    )
    .await?;
    let t = request.lang.texts();
    let taken = crate::auth::store::user_id_by_email(&state.db, new_email.as_str()).await?.is_some();
    let (subject, body) = if taken {
        (t.mail_email_taken_subject, t.mail_email_taken_body.to_string())
    } else {
        let link = format!("{}/confirm-email?token={token}", state.config.base_url);
        (t.mail_email_confirm_subject, t.mail_email_confirm_body.replace("{name}", &user.name).replace("{link}", &link))
    };
    state.mailer.send_in_background(Mail {
        to: new_email.as_str().to_string(),
        attachments: Vec::new(),
        subject: subject.into(),
        body,
    });
    security::record(state, user.user_id, EventKind::EmailChangeRequested, &request.origin).await?;
    Ok(())
}

/// The account's change of address waiting for its link, if any.
pub async fn pending_email(state: &AppState, user: &CurrentUser) -> Result<Option<String>, AppError> {
    Ok(store::pending_change(&state.db, user.user_id, state.clock.now()).await?.map(|(email, _)| email))
}

/// Forgets the change of address waiting for its link: its link stops working.
pub async fn cancel_email_change(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    store::cancel_pending_change(&state.db, user.user_id).await?;
    Ok(())
}

/// The stored hash of a link's token; a token no link could carry is an invalid link.
fn link_hash(token: &str) -> Result<Vec<u8>, AppError> {
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::Rejected(Problem::InvalidLink));
    }
    Ok(token_hash(token))
}

/// Follows a confirmation link: the account's address changes, and the old address is told with
/// a link that undoes it.
pub async fn confirm_email_change(
    state: &AppState,
    token: &str,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let invalid = || AppError::Rejected(Problem::InvalidLink);
    let hash = link_hash(token)?;
    let revert = new_token();
    let now = state.clock.now();
    let change =
        match store::confirm_change(&state.db, &hash, &token_hash(&revert), now + REVERT_WINDOW_SECS, now).await? {
            Confirmed::Changed(change) => change,
            Confirmed::Invalid => return Err(invalid()),
            Confirmed::Taken => return Err(AppError::Conflict(Problem::EmailTaken)),
        };
    security::record(state, change.user_id, EventKind::EmailChanged, origin).await?;
    let t = lang.texts();
    let link = format!("{}/revert-email?token={revert}", state.config.base_url);
    state.mailer.send_in_background(Mail {
        to: change.old_email,
        attachments: Vec::new(),
        subject: t.mail_email_changed_subject.into(),
        body: t.mail_email_changed_body.replace("{email}", &change.new_email).replace("{link}", &link),
    });
    Ok(())
}

/// Follows a "this wasn't me" link: the old address is back, every session has ended, and a link
/// to set a new password goes to that address.
pub async fn revert_email_change(
    state: &AppState,
    token: &str,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let invalid = || AppError::Rejected(Problem::InvalidLink);
    let change = store::revert_change(&state.db, &link_hash(token)?, state.clock.now()).await?.ok_or_else(invalid)?;
    crate::auth::service::end_pending_sign_ins(state, change.user_id).await?;
    let link = crate::auth::service::new_password_reset_link(state, change.user_id, RESET_AFTER_REVERT_SECS).await?;
    security::record(state, change.user_id, EventKind::EmailChangeReverted, origin).await?;
    let t = lang.texts();
    state.mailer.send_in_background(Mail {
        to: change.old_email,
        attachments: Vec::new(),
        subject: t.mail_email_reverted_subject.into(),
        body: t.mail_email_reverted_body.replace("{link}", &link),
    });
    Ok(())
}

/// The practitioner's agreement for their own practice, in `lang`, dated today, recorded in the
/// practice's audit log. None is made while the operator's details are incomplete.
pub async fn agreement(state: &AppState, user: &CurrentUser, lang: Lang) -> Result<Vec<u8>, AppError> {
    if !state.config.operator.missing().is_empty() {
        return Err(AppError::Conflict(Problem::AgreementNotReady));
    }
    let practice = super::store::practice(&state.db, user.practice_id).await?;
    let now = state.clock.now();
    let date = chrono::DateTime::from_timestamp(now, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    crate::audit::store::record(&state.db, user, now, AuditAction::AgreementDownloaded, None, None).await?;
    Ok(render(lang, &practice, &state.config.operator, &date))
}

fn wording(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb => include_str!("agreement/nb.txt"),
        Lang::En => include_str!("agreement/en.txt"),
    }
}

/// The agreement for this practice, in this language, dated `date` (`YYYY-MM-DD`).
pub fn render(lang: Lang, practice: &PracticeDetails, operator: &Operator, date: &str) -> Vec<u8> {
    let t = lang.texts();
    let mut doc = Document::new(t.dpa_title, lang.code(), &format!("{} · {}", t.dpa_title, practice.name));
    for line in wording(lang).lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.replace("{date}", &crate::dates::long_date_of(lang, date));
        if let Some(title) = line.strip_prefix("# ") {
            doc.title(title);
        } else if let Some(heading) = line.strip_prefix("## ") {
            doc.heading(heading);
        } else if let Some(item) = line.strip_prefix("- ") {
            doc.bullet(item);
        } else if line == "@controller" {
            doc.space(4.0);
            doc.paragraph(t.dpa_controller);
            doc.row(t.dpa_name, &practice.name);
            doc.row(t.dpa_address, &practice.address);
            doc.row(t.dpa_org_number, &practice.org_number);
        } else if line == "@processor" {
            doc.space(6.0);
            doc.paragraph(t.dpa_processor);
            doc.row(t.dpa_name, &operator.name);
            doc.row(t.dpa_address, &operator.address);
            doc.row(t.dpa_org_number, &operator.org_number);
            doc.row(t.dpa_contact, &operator.email);
        } else {
            doc.paragraph(&line);
        }
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_fill_in_the_parties() {
        let practice = PracticeDetails {
            name: "Klinikk Fjord".into(),
            address: "Storgata 1".into(),
            org_number: "923609016".into(),
        };
        let operator = Operator {
            name: "Drift AS".into(),
            address: String::new(),
            org_number: String::new(),
            email: "x@y.no".into(),
        };
        for (lang, date) in [(Lang::Nb, "25. nov. 2026"), (Lang::En, "25 Nov 2026")] {
            let pdf = render(lang, &practice, &operator, "2026-11-25");
            let text = crate::server::pdf::text_of(&pdf);
            assert!(pdf.starts_with(b"%PDF-"));
            for expected in ["Klinikk Fjord\n", "923609016\n", "Storgata 1\n", "Drift AS\n", date] {
                assert!(text.contains(expected), "{lang:?} lacks {expected}");
            }
        }
    }

    #[test]
    fn the_wordings_have_the_same_shape() {
        let shape = |lang| {
            wording(lang)
                .lines()
                .filter_map(|l| l.split(' ').next())
                .filter(|w| w.starts_with(['#', '@']))
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(Lang::Nb), shape(Lang::En));
    }
}
