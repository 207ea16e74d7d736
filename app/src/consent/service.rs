//! Consent rules. A request's link is a random 256-bit token of which only the hash is kept; it
//! is answered once (sign or decline), while it is neither expired nor revoked. Everything the
//! client does through it is kept as evidence sealed with the client's data key: when, from
//! which IP address and browser, the SHA-256 of the exact text shown, the name typed and the
//! signature drawn.
//!
//! Reading the link changes nothing, so mail scanners that fetch it leave no trace: "opened" is
//! recorded by a POST the page sends once a person uses it, or by the first form sent. For
//! `COPY_DAYS` after the answer the link shows the declaration and serves the signed copy; later
//! a signature can only be withdrawn, with a one-time code mailed to the client. Every step, the
//! practitioner's and the client's, lands in the practice's audit log.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::{self, NewRequest, RequestRow, Step};
use super::types::{
    CODE_LIFETIME_SECS, CODE_MAILS_PER_DAY, CODE_RESEND_SECS, CODE_TRIES, COPY_DAYS, ConsentPage, ConsentStatus,
    Declaration, Drawing, LINK_DAYS, LinkOffer, RequestStatus, RequestView, Template, TemplateInput, signature,
};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::dates;
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::ids::{ClientId, PracticeId};
use crate::local_time;
use crate::server::crypto::{new_token, token_hash};
use crate::server::envelope::{self, ClientKeys, Field};
use crate::server::mail::{Attachment, ClientRecipient, Email};
use crate::server::one_time_code;
use crate::server::request::Origin;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

const EVIDENCE_FIELD: &str = "consent_requests.evidence";

/// What is kept of a request's answers, sealed.
#[derive(Default, Serialize, Deserialize)]
pub struct Evidence {
    /// SHA-256 (hex) of the exact text the client was shown: title, a blank line, the body.
    pub text_sha256: String,
    pub typed_name: Option<String>,
    /// The drawn signature as strokes (`Drawing::to_text`), when one was drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn_signature: Option<String>,
    pub events: Vec<EvidenceEvent>,
}

/// What a signature adds to the evidence.
pub struct Signed {
    pub name: String,
    pub drawing: Option<Drawing>,
}

#[derive(Serialize, Deserialize)]
pub struct EvidenceEvent {
    /// `opened`, `signed`, `declined` or `withdrawn`.
    pub what: String,
    /// UTC Unix seconds.
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// The exact text a version shows, as hashed into the evidence.
pub fn shown_text(template: &Template) -> String {
    format!("{}\n\n{}", template.title, template.body)
}

pub fn text_sha256(template: &Template) -> String {
    Sha256::digest(shown_text(template).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn evidence_record(request_id: i64) -> String {
    format!("consent:{request_id}")
}

/// The request's evidence, opened (empty when nothing has been recorded yet).
pub fn open_evidence(keys: &ClientKeys, request: &RequestRow) -> Result<Evidence, AppError> {
    let Some(sealed) = &request.evidence else { return Ok(Evidence::default()) };
    let record = evidence_record(request.id);
    let json = keys.open_text(sealed, Field { record: &record, field: EVIDENCE_FIELD })?;
    serde_json::from_str(&json).map_err(AppError::internal)
}

fn seal_evidence(keys: &ClientKeys, request_id: i64, evidence: &Evidence) -> Result<Vec<u8>, AppError> {
    let json = serde_json::to_string(evidence).map_err(AppError::internal)?;
    let record = evidence_record(request_id);
    Ok(keys.seal_text(&json, Field { record: &record, field: EVIDENCE_FIELD }))
}

/// The practice's declarations; a practice that has none gets the default one, in Norwegian and
/// in English. That is the only write a reading makes, and it happens once: a parallel first
/// reading finds the practice claimed and adds nothing.
pub async fn templates(state: &AppState, user: &CurrentUser) -> Result<Vec<Template>, AppError> {
    let found = store::templates(&state.db, user.practice_id).await?;
    if !found.is_empty() {
        return Ok(found);
    }
    let now = state.clock.now();
    let mut tx = crate::server::db::begin_write(&state.db).await?;
    if store::claim_defaults(&mut tx, user.practice_id).await? {
        for (text, lang) in [(include_str!("default/nb.txt"), Lang::Nb), (include_str!("default/en.txt"), Lang::En)] {
            let (title, body) = text.split_once('\n').unwrap_or((text, ""));
            let id = store::insert_template(&mut tx, user.practice_id, now).await?;
            store::add_version(&mut tx, user.practice_id, id, title.trim(), body.trim(), lang, now).await?;
        }
    }
    tx.commit().await?;
    Ok(store::templates(&state.db, user.practice_id).await?)
}

/// A new declaration (`id` = None) or a new version of one. Signed requests keep the version
/// they showed.
pub async fn save_template(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    title: &str,
    body: &str,
    lang: &str,
) -> Result<i64, AppError> {
    let input = TemplateInput::parse(title, body, lang)?;
    let now = state.clock.now();
    let mut tx = crate::server::db::begin_write(&state.db).await?;
    let id = match id {
        Some(id) => id,
        None => store::insert_template(&mut tx, user.practice_id, now).await?,
    };
    store::add_version(&mut tx, user.practice_id, id, &input.title, &input.body, input.lang, now)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(id)
}

/// Sends a request for the current version of a declaration to the client's email address.
pub async fn send(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    template_id: i64,
    lang: Lang,
) -> Result<(), AppError> {
    let email = client_email(state, user, client_id).await?;
    let template = templates(state, user)
        .await?
        .into_iter()
        .find(|t| t.id == template_id)
        .ok_or_else(|| AppError::field("template_id", Problem::NotAllowedValue))?;
    send_version(state, user, client_id, email, &template, lang).await
}

async fn send_version(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    email: String,
    template: &Template,
    lang: Lang,
) -> Result<(), AppError> {
    let token = new_token();
    let now = state.clock.now();
    let expires_at = now + LINK_DAYS * 86_400;
    let request = NewRequest {
        practice_id: user.practice_id,
        client_id,
        template,
        token_hash: &token_hash(&token),
        now,
        expires_at,
    };
    let id = store::insert_request(&state.db, request).await?;
    audit::record(&state.db, user, now, AuditAction::ConsentSent, Some(client_id), Some(id)).await?;
    mail_link(state, user, (client_id, email), &token, expires_at, template.lang_or(lang), false).await
}

async fn client_email(state: &AppState, user: &CurrentUser, client_id: ClientId) -> Result<String, AppError> {
    let client = crate::clients::directory::profile(&state.db, &state.master_key, user.practice_id, client_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if client.email.is_empty() {
        return Err(AppError::Rejected(Problem::ClientHasNoEmail));
    }
    Ok(client.email)
}

/// The mail with the link. It names the practice, never what the declaration is about.
async fn mail_link(
    state: &AppState,
    user: &CurrentUser,
    (client_id, to): (ClientId, String),
    token: &str,
    expires_at: i64,
    lang: Lang,
    reminder: bool,
) -> Result<(), AppError> {
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let t = lang.texts();
    let subject = if reminder { t.mail_consent_reminder_subject } else { t.mail_consent_subject };
    let client = ClientRecipient { practice_id: user.practice_id, client_id };
    state.mailer.send_to_client_in_background(
        client,
        Email {
            to,
            attachments: Vec::new(),
            subject: subject.replace("{practice}", &user.practice_name),
            body: t
                .mail_consent_body
                .replace("{practice}", &user.practice_name)
                .replace("{link}", &format!("{}/consent?token={token}", state.config.base_url))
                .replace(
                    "{expires}",
                    &dates::long_date_of(lang, &crate::dates::date_text(local_time::to_local(zone, expires_at).0)),
                ),
        },
    );
    Ok(())
}

/// A reminder for an unanswered request: a new link (the old one stops working) that runs
/// another 14 days.
pub async fn remind(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    id: i64,
    lang: Lang,
) -> Result<(), AppError> {
    let email = client_email(state, user, client_id).await?;
    let token = new_token();
    let now = state.clock.now();
    let expires_at = now + LINK_DAYS * 86_400;
    if !store::renew_link(&state.db, user.practice_id, client_id, id, &token_hash(&token), expires_at).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&state.db, user, now, AuditAction::ConsentReminded, Some(client_id), Some(id)).await?;
    let request = store::request_of(&state.db, user.practice_id, client_id, id).await?.ok_or(AppError::NotFound)?;
    let template = store::template_version(&state.db, user.practice_id, request.template_id, request.version).await?;
    let lang = template.map_or(lang, |template| template.lang_or(lang));
    mail_link(state, user, (client_id, email), &token, expires_at, lang, true).await
}

/// After a declaration changed: asks everyone whose newest answer to it is a signature of an
/// older version to consent to the current one. Returns how many were asked.
pub async fn ask_again(state: &AppState, user: &CurrentUser, template_id: i64, lang: Lang) -> Result<usize, AppError> {
    let template = templates(state, user).await?.into_iter().find(|t| t.id == template_id).ok_or(AppError::NotFound)?;
    let clients = store::signed_older_version(&state.db, user.practice_id, template_id, template.version).await?;
    let mut asked = 0;
    for client_id in clients {
        match client_email(state, user, client_id).await {
            Ok(email) => {
                send_version(state, user, client_id, email, &template, lang).await?;
                asked += 1;
            }
            Err(AppError::Rejected(Problem::ClientHasNoEmail)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(asked)
}

/// How many clients signed an older version of each declaration (for the "ask again" button).
pub async fn outdated_counts(state: &AppState, user: &CurrentUser, list: &[Template]) -> Result<Vec<usize>, AppError> {
    let mut counts = Vec::with_capacity(list.len());
    for template in list {
        counts
            .push(store::signed_older_version(&state.db, user.practice_id, template.id, template.version).await?.len());
    }
    Ok(counts)
}

/// The client's requests, newest first. Recorded as a reading.
pub async fn requests(state: &AppState, user: &CurrentUser, client_id: ClientId) -> Result<Vec<RequestView>, AppError> {
    crate::clients::directory::profile(&state.db, &state.master_key, user.practice_id, client_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let now = state.clock.now();
    audit::record(&state.db, user, now, AuditAction::ConsentRequestsRead, Some(client_id), None).await?;
    let mut views = Vec::new();
    for row in store::requests_of(&state.db, user.practice_id, client_id).await? {
        if row.status == RequestStatus::Revoked {
            continue;
        }
        let template = store::template_version(&state.db, user.practice_id, row.template_id, row.version).await?;
        views.push(RequestView {
            id: row.id,
            title: template.map(|t| t.title).unwrap_or_default(),
            version: row.version,
            status: ConsentStatus::of(row.status, row.expires_at, now),
            sent: local_time::moment_text(zone, row.sent_at),
            decided: row.decided_at.map(|at| local_time::moment_text(zone, at)),
        });
    }
    Ok(views)
}

/// Each client's consent status: that of its newest request that was not revoked.
pub async fn statuses(
    state: &AppState,
    practice_id: PracticeId,
) -> Result<std::collections::HashMap<ClientId, ConsentStatus>, AppError> {
    let now = state.clock.now();
    Ok(store::statuses(&state.db, practice_id)
        .await?
        .into_iter()
        .map(|row| (row.client_id, ConsentStatus::of(row.status, row.expires_at, now)))
        .collect())
}

pub async fn revoke(state: &AppState, user: &CurrentUser, client_id: ClientId, id: i64) -> Result<(), AppError> {
    if !store::revoke(&state.db, user.practice_id, client_id, id).await? {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    Ok(audit::record(&state.db, user, now, AuditAction::ConsentRevoked, Some(client_id), Some(id)).await?)
}

/// The request behind a link, with its declaration version. A wrong, guessed or revoked token
/// answers "invalid link", the same for each.
async fn by_token(state: &AppState, token: &str) -> Result<(RequestRow, Template), AppError> {
    let invalid = || AppError::Rejected(Problem::InvalidLink);
    if token.is_empty() || token.len() > 100 {
        return Err(invalid());
    }
    let request = store::request_by_token(&state.db, &token_hash(token)).await?.ok_or_else(invalid)?;
    if request.status == RequestStatus::Revoked {
        return Err(invalid());
    }
    let template = store::template_version(&state.db, request.practice_id, request.template_id, request.version)
        .await?
        .ok_or_else(invalid)?;
    Ok((request, template))
}

/// The client's step through their link, as the audit log names it.
fn step_action(step: Step) -> AuditAction {
    match step {
        Step::Open => AuditAction::ConsentOpened,
        Step::Sign => AuditAction::ConsentSigned,
        Step::Decline => AuditAction::ConsentDeclined,
        Step::Withdraw => AuditAction::ConsentWithdrawn,
    }
}

/// Takes the step, adding it to the sealed evidence and to the audit log; `false` when the
/// request was not in a state the step starts from. An answer to a request still "sent" (a form
/// sent with no page script, straight from the mail) opens it as well.
async fn record(
    state: &AppState,
    request: &RequestRow,
    template: &Template,
    step: Step,
    signed: Option<Signed>,
    origin: &Origin<'_>,
) -> Result<bool, AppError> {
    let keys = envelope::for_client(&state.db, &state.master_key, request.practice_id, request.client_id).await?;
    let mut evidence = open_evidence(&keys, request)?;
    let now = state.clock.now();
    evidence.text_sha256 = text_sha256(template);
    if let Some(signed) = signed {
        evidence.typed_name = Some(signed.name);
        evidence.drawn_signature = signed.drawing.map(|d| d.to_text());
    }
    let opens_too = request.status == RequestStatus::Sent && step != Step::Open;
    let steps = if opens_too { vec![Step::Open, step] } else { vec![step] };
    for taken in &steps {
        evidence.events.push(EvidenceEvent {
            what: taken.status().as_str().into(),
            at: now,
            ip: origin.ip.to_string(),
            user_agent: origin.user_agent.into(),
        });
    }
    let sealed = seal_evidence(&keys, request.id, &evidence)?;
    if !store::advance(&state.db, request.id, step, now, &sealed).await? {
        return Ok(false);
    }
    for action in steps.into_iter().map(step_action) {
        audit::record_by_client(&state.db, request.practice_id, now, action, request.client_id, Some(request.id))
            .await?;
    }
    Ok(true)
}

/// What the link shows. Reading it changes nothing (see `opened`).
pub async fn page(state: &AppState, token: &str) -> Result<ConsentPage, AppError> {
    let (request, template) = by_token(state, token).await?;
    let now = state.clock.now();
    let status = ConsentStatus::of(request.status, request.expires_at, now);
    let offer = LinkOffer::at(status, request.decided_at, now);
    let lang = template.lang;
    let declaration = if offer.declaration {
        let practice = crate::profile::store::practice(&state.db, request.practice_id).await?.name;
        Some(Declaration { practice, title: template.title, body: template.body })
    } else {
        None
    };
    let copy_until = match (offer.copy, request.decided_at) {
        (true, Some(at)) => {
            let zone = crate::profile::store::zone_of(&state.db, request.practice_id).await?;
            Some(local_time::moment_text(zone, at + COPY_DAYS * 86_400))
        }
        _ => None,
    };
    Ok(ConsentPage { status, declaration, copy_until, withdraw_needs_code: offer.withdraw_needs_code, lang })
}

/// Records that a person opened the link: sent by the page once it is used in a browser that runs
/// it. Nothing happens for a request that was opened or answered already.
pub async fn opened(state: &AppState, token: &str, origin: &Origin<'_>) -> Result<(), AppError> {
    let (request, template) = by_token(state, token).await?;
    open_request(state, &request, &template, origin).await
}

async fn open_request(
    state: &AppState,
    request: &RequestRow,
    template: &Template,
    origin: &Origin<'_>,
) -> Result<(), AppError> {
    if ConsentStatus::of(request.status, request.expires_at, state.clock.now()) == ConsentStatus::Sent {
        record(state, request, template, Step::Open, None, origin).await?;
    }
    Ok(())
}

/// Signs with the typed name (the box ticked) and, if one was drawn, the drawn signature, once.
/// A refused form still opens the request: a person sent it. The client gets a receipt by email
/// with the signed copy as a PDF and the link, where they can read what they signed and withdraw.
pub async fn sign(
    state: &AppState,
    token: &str,
    agree: bool,
    name: &str,
    drawn: &str,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let (request, template) = by_token(state, token).await?;
    let lang = template.lang_or(lang);
    let (name, drawing) = match signature(agree, name, drawn) {
        Ok(signed) => signed,
        Err(error) => {
            open_request(state, &request, &template, origin).await?;
            return Err(error);
        }
    };
    answer(state, &request, &template, Step::Sign, Some(Signed { name, drawing }), origin).await?;
    let Some(signed) = store::request_of(&state.db, request.practice_id, request.client_id, request.id).await? else {
        return Ok(());
    };
    let SignedCopy { pdf, client_email, practice, .. } = copy_of(state, &signed, Some(lang), lang).await?;
    if !client_email.is_empty() {
        let t = lang.texts();
        let client = ClientRecipient { practice_id: signed.practice_id, client_id: signed.client_id };
        state.mailer.send_to_client_in_background(
            client,
            Email {
                to: client_email,
                attachments: vec![Attachment {
                    filename: format!("{}.pdf", t.consent_copy_file),
                    content_type: "application/pdf",
                    bytes: pdf,
                }],
                subject: t.mail_consent_receipt_subject.replace("{practice}", &practice),
                body: t
                    .mail_consent_receipt_body
                    .replace("{practice}", &practice)
                    .replace("{link}", &format!("{}/consent?token={token}", state.config.base_url)),
            },
        );
    }
    Ok(())
}

/// Withdraws a signed consent through its link; the practitioners are told (without naming
/// the client: mail is not the place for it). Once the link's `COPY_DAYS` are over, only with
/// the newest code mailed to the client (`send_withdrawal_code`).
pub async fn withdraw(
    state: &AppState,
    token: &str,
    code: Option<&str>,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let (request, template) = by_token(state, token).await?;
    let now = state.clock.now();
    let status = ConsentStatus::of(request.status, request.expires_at, now);
    if status != ConsentStatus::Signed {
        return Err(AppError::Conflict(Problem::ConsentAnswered));
    }
    if LinkOffer::at(status, request.decided_at, now).withdraw_needs_code {
        check_code(state, token, &request, code.unwrap_or_default()).await?;
    }
    if !record(state, &request, &template, Step::Withdraw, None, origin).await? {
        return Err(AppError::Conflict(Problem::ConsentAnswered));
    }
    let t = lang.texts();
    // The practitioners hear of a withdrawal.
    for to in crate::auth::store::practitioner_emails(&state.db, request.practice_id).await? {
        state.mailer.send_in_background(Email {
            to,
            attachments: Vec::new(),
            subject: t.mail_consent_withdrawn_subject.into(),
            body: t.mail_consent_withdrawn_body.replace("{title}", &template.title),
        });
    }
    Ok(())
}

/// What a withdrawal code is MACed for (`server::one_time_code`).
const CODE_PURPOSE: &str = "consent-withdrawal";

/// Mails a new one-time code for withdrawing a signed consent to the client's address (the one
/// the practice has now); earlier codes stop working. At most one a minute and
/// `CODE_MAILS_PER_DAY` a day per link.
pub async fn send_withdrawal_code(state: &AppState, token: &str, lang: Lang) -> Result<(), AppError> {
    let (request, template) = by_token(state, token).await?;
    let lang = template.lang_or(lang);
    let now = state.clock.now();
    if ConsentStatus::of(request.status, request.expires_at, now) != ConsentStatus::Signed {
        return Err(AppError::Conflict(Problem::ConsentAnswered));
    }
    let client =
        crate::clients::directory::profile(&state.db, &state.master_key, request.practice_id, request.client_id)
            .await?
            .ok_or(AppError::Rejected(Problem::InvalidLink))?;
    if client.email.is_empty() {
        return Err(AppError::Rejected(Problem::ConsentNoAddress));
    }
    let code = one_time_code::new_code();
    let hash = one_time_code::stored(token, CODE_PURPOSE, request.id, &code);
    let day_ago = now - 86_400;
    // Written before counted, so each of several parallel requests sees those before it.
    let id = store::insert_code(&state.db, request.id, &hash, now, now + CODE_LIFETIME_SECS, day_ago).await?;
    let before = store::codes_before(&state.db, request.id, id, day_ago).await?;
    if let Some(wait) = one_time_code::wait_before_next(&before, now, CODE_RESEND_SECS, CODE_MAILS_PER_DAY) {
        store::delete_code(&state.db, id).await?;
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    let practice = crate::profile::store::practice(&state.db, request.practice_id).await?.name;
    let t = lang.texts();
    let recipient = ClientRecipient { practice_id: request.practice_id, client_id: request.client_id };
    state.mailer.send_to_client_in_background(
        recipient,
        Email {
            to: client.email,
            attachments: Vec::new(),
            subject: t.mail_consent_code_subject.into(),
            body: t.mail_consent_code_body.replace("{practice}", &practice).replace("{code}", &code),
        },
    );
    let sent = AuditAction::ConsentCodeSent;
    audit::record_by_client(&state.db, request.practice_id, now, sent, request.client_id, Some(request.id)).await?;
    Ok(())
}

/// Checks and spends the request's newest code. Each try is counted before the comparison,
/// which takes constant time; after `CODE_TRIES` tries, or `CODE_LIFETIME_SECS`, a new code is
/// needed.
async fn check_code(state: &AppState, token: &str, request: &RequestRow, input: &str) -> Result<(), AppError> {
    let code = crate::fields::one_time_code(input).map_err(|problem| AppError::field("code", problem))?;
    let spent = || AppError::field("code", Problem::ConsentCodeSpent);
    let live = store::newest_code(&state.db, request.id).await?.ok_or_else(spent)?;
    let now = state.clock.now();
    if !store::take_try(&state.db, live.id, CODE_TRIES, now).await? {
        return Err(spent());
    }
    if !one_time_code::matches(token, CODE_PURPOSE, request.id, &code, &live.code_hash) {
        return Err(AppError::field("code", Problem::ConsentCodeWrong));
    }
    if !store::use_code(&state.db, live.id, now).await? {
        return Err(spent());
    }
    Ok(())
}

pub async fn decline(state: &AppState, token: &str, origin: &Origin<'_>) -> Result<(), AppError> {
    let (request, template) = by_token(state, token).await?;
    answer(state, &request, &template, Step::Decline, None, origin).await
}

async fn answer(
    state: &AppState,
    request: &RequestRow,
    template: &Template,
    step: Step,
    signed: Option<Signed>,
    origin: &Origin<'_>,
) -> Result<(), AppError> {
    if !ConsentStatus::of(request.status, request.expires_at, state.clock.now()).is_open()
        || !record(state, request, template, step, signed, origin).await?
    {
        return Err(AppError::Conflict(Problem::ConsentAnswered));
    }
    Ok(())
}

/// A consent request as a client's data export holds it: the exact text, where it stands, and the
/// evidence of each step.
#[derive(Serialize)]
pub struct ConsentRecord {
    pub request: i64,
    pub title: String,
    pub version: i64,
    /// `nb` or `en`, when the declaration says.
    pub language: Option<&'static str>,
    pub text: String,
    /// `sent`, `opened`, `signed`, `declined`, `withdrawn`, or `revoked` (taken back by the practice).
    pub status: &'static str,
    pub expired: bool,
    pub sent: String,
    pub decided: Option<String>,
    pub typed_name: Option<String>,
    pub signature_drawn: bool,
    pub text_sha256: String,
    pub events: Vec<ConsentEventRecord>,
}

#[derive(Serialize)]
pub struct ConsentEventRecord {
    pub what: String,
    pub at: String,
    pub ip: String,
    pub user_agent: String,
}

/// Every consent request of the client with its evidence, and each one's copy with its trail as
/// a PDF (labelled in the declaration's language, else `lang`), for its data export (which the
/// caller records).
pub async fn records_of(
    state: &AppState,
    practice_id: PracticeId,
    client_id: ClientId,
    keys: &ClientKeys,
    zone: chrono_tz::Tz,
    lang: Lang,
) -> Result<Vec<(ConsentRecord, Vec<u8>)>, AppError> {
    let now = state.clock.now();
    let mut records = Vec::new();
    for row in store::requests_of(&state.db, practice_id, client_id).await?.into_iter().rev() {
        let template = store::template_version(&state.db, practice_id, row.template_id, row.version)
            .await?
            .ok_or_else(|| AppError::internal("a consent request without its declaration"))?;
        let evidence = open_evidence(keys, &row)?;
        let copy = copy_of(state, &row, None, lang).await?.pdf;
        let status = ConsentStatus::of(row.status, row.expires_at, now);
        let record = ConsentRecord {
            request: row.id,
            title: template.title.clone(),
            version: row.version,
            language: template.lang.map(Lang::code),
            text: template.body.clone(),
            status: row.status.as_str(),
            expired: status == ConsentStatus::Expired,
            sent: local_time::instant_text(zone, row.sent_at),
            decided: row.decided_at.map(|at| local_time::instant_text(zone, at)),
            typed_name: evidence.typed_name,
            signature_drawn: evidence.drawn_signature.is_some(),
            text_sha256: evidence.text_sha256,
            events: evidence
                .events
                .into_iter()
                .map(|event| ConsentEventRecord {
                    what: event.what,
                    at: local_time::instant_text(zone, event.at),
                    ip: event.ip,
                    user_agent: event.user_agent,
                })
                .collect(),
        };
        records.push((record, copy));
    }
    Ok(records)
}

/// The signed copy with its trail, as a PDF for the practitioner: the exact text, the typed
/// name, the drawn signature, and when and from where each step happened, labelled in the
/// declaration's language (`lang` for a declaration without one). `NotFound` for another
/// practice's request.
pub async fn signed_copy(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
    id: i64,
    lang: Lang,
) -> Result<Vec<u8>, AppError> {
    let request = store::request_of(&state.db, user.practice_id, client_id, id).await?.ok_or(AppError::NotFound)?;
    let copy = copy_of(state, &request, None, lang).await?.pdf;
    let now = state.clock.now();
    audit::record(&state.db, user, now, AuditAction::ConsentCopyDownloaded, Some(client_id), Some(id)).await?;
    Ok(copy)
}

/// The client's own signed copy, through the link: once signed, and after a withdrawal too, for
/// `COPY_DAYS` after the signature. Any other link answers "invalid link", as everywhere else.
/// Labelled in the language the client chose on the page, else the declaration's, else `lang`;
/// returned with the language it speaks.
pub async fn client_copy(
    state: &AppState,
    token: &str,
    chosen: Option<Lang>,
    lang: Lang,
) -> Result<(Vec<u8>, Lang), AppError> {
    let (request, _) = by_token(state, token).await?;
    let now = state.clock.now();
    let status = ConsentStatus::of(request.status, request.expires_at, now);
    if !LinkOffer::at(status, request.decided_at, now).copy {
        return Err(AppError::Rejected(Problem::InvalidLink));
    }
    let copy = copy_of(state, &request, chosen, lang).await?;
    let read = AuditAction::ConsentCopyByLink;
    audit::record_by_client(&state.db, request.practice_id, now, read, request.client_id, Some(request.id)).await?;
    Ok((copy.pdf, copy.lang))
}

/// A request's copy as a PDF, with what the receipt mail needs besides.
struct SignedCopy {
    pdf: Vec<u8>,
    client_email: String,
    practice: String,
    lang: Lang,
}

/// Labelled in `chosen`, else the declaration's language, else `fallback`.
async fn copy_of(
    state: &AppState,
    request: &RequestRow,
    chosen: Option<Lang>,
    fallback: Lang,
) -> Result<SignedCopy, AppError> {
    let (practice_id, client_id) = (request.practice_id, request.client_id);
    let template = store::template_version(&state.db, practice_id, request.template_id, request.version)
        .await?
        .ok_or(AppError::NotFound)?;
    let client = crate::clients::directory::profile(&state.db, &state.master_key, practice_id, client_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let practice = crate::profile::store::practice(&state.db, practice_id).await?.name;
    let evidence = match envelope::existing(&state.db, &state.master_key, practice_id, client_id).await? {
        Some(keys) => open_evidence(&keys, request)?,
        None => Evidence::default(),
    };
    let zone = crate::profile::store::zone_of(&state.db, practice_id).await?;
    let lang = chosen.unwrap_or(template.lang_or(fallback));
    let moment = |at: i64| dates::moment(lang, &local_time::moment_text(zone, at));
    let t = lang.texts();
    let status = ConsentStatus::of(request.status, request.expires_at, state.clock.now());
    let footer = format!("{} · {}", t.consent_copy_title, practice);
    let mut doc = crate::server::pdf::Document::new(&template.title, lang.code(), &footer);
    doc.paragraph(&practice);
    doc.title(&template.title);
    doc.paragraph(&template.body);
    doc.heading(t.consent_copy_title);
    doc.row(t.consent_copy_client, &client.name);
    doc.row(t.consent_copy_status, status.label(t));
    doc.row(t.consent_copy_version, &request.version.to_string());
    doc.row(t.consent_copy_typed_name, evidence.typed_name.as_deref().unwrap_or_default());
    match evidence.drawn_signature.as_deref().map(Drawing::parse) {
        Some(Ok(Some(drawing))) => {
            let strokes: Vec<Vec<(f32, f32)>> = drawing
                .strokes
                .iter()
                .map(|stroke| stroke.iter().map(|&(x, y)| (f32::from(x), f32::from(y))).collect())
                .collect();
            doc.drawing(t.consent_copy_drawn, (f32::from(Drawing::WIDTH), f32::from(Drawing::HEIGHT)), &strokes);
        }
        _ => doc.row(t.consent_copy_drawn, ""),
    }
    doc.row(t.consent_copy_text_hash, &evidence.text_sha256);
    doc.heading(t.consent_copy_trail);
    doc.row(&moment(request.sent_at), t.consent_status_sent);
    for event in &evidence.events {
        let what = match event.what.as_str() {
            "opened" => t.consent_status_opened,
            "signed" => t.consent_status_signed,
            "declined" => t.consent_status_declined,
            "withdrawn" => t.consent_status_withdrawn,
            other => other,
        };
        let utc = chrono::DateTime::from_timestamp(event.at, 0).map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string());
        let detail =
            format!("{what}\n{}\n{}: {}\n{}", utc.unwrap_or_default(), t.sessions_ip, event.ip, event.user_agent);
        doc.row(&moment(event.at), &detail);
    }
    Ok(SignedCopy { pdf: doc.finish(), client_email: client.email, practice, lang })
}
