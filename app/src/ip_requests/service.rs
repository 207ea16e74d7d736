//! The process around a booking's sealed IP address (the second seed post): the practice asks
//! in writing, support records the decision made with the data protection authority, and only an
//! approved request opens the address, once, for the practitioner who gives the password again.
//! Retention clears old addresses that no request holds.

use base64::Engine as _;
use chrono::{Months, TimeZone, Utc};

use super::store::{self, Decision, NewRequest, RequestRow};
use super::types::{
    APPROVED_DAYS, BookingToRequest, DecisionText, DecisionView, IpRequestStatus, IpRequestView, MAX_OPEN, OPEN_DAYS,
    OnlineBooking, ReleasedAddress, RequestText, SupportIpDetail, SupportIpLine,
};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::ids::{ClientId, IpRequestId, PracticeId};
use crate::local_time::moment_text;
use crate::server::db;
use crate::server::envelope::{self, ClientKeys, Field};
use crate::server::mail::Email;
use crate::server::password::PlainPassword;
use crate::server::pdf::Document;
use crate::server::request::Origin;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;
use crate::support::types::AuditAction as SupportAction;

const DAY: i64 = 86_400;
const REFERENCE: &str = "ip_requests.client_reference";
const REASON: &str = "ip_requests.reason";
const NOTE: &str = "ip_requests.decision_note";

fn record(id: IpRequestId) -> String {
    format!("ip_request:{id}")
}

/// An online booking of the caller's practice whose address is still kept, as the request form
/// shows it. Another practice's booking, one made by the practitioner, or one whose address is
/// gone answers as not found.
pub async fn booking_to_request(
    state: &AppState,
    user: &CurrentUser,
    appointment_id: i64,
) -> Result<BookingToRequest, AppError> {
    let booking = crate::calendar::store::online_booking(&state.db, user.practice_id, appointment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let client_name =
        crate::clients::service::name_of(state, user.practice_id, booking.client_id).await?.unwrap_or_default();
    Ok(BookingToRequest {
        appointment_id,
        client_id: booking.client_id,
        client_name,
        starts: moment_text(zone, booking.starts_at),
        booked: moment_text(zone, booking.created_at),
        open_request: store::open_for_booking(&state.db, user.practice_id, appointment_id, now).await?,
        at_limit: store::open_count(&state.db, user.practice_id, now).await? >= MAX_OPEN,
    })
}

/// A client's online bookings whose address is kept, each with its latest request.
pub async fn online_bookings(
    state: &AppState,
    user: &CurrentUser,
    client_id: ClientId,
) -> Result<Vec<OnlineBooking>, AppError> {
    let bookings = crate::calendar::store::online_bookings_of(&state.db, user.practice_id, client_id).await?;
    if bookings.is_empty() {
        return Ok(Vec::new());
    }
    let now = state.clock.now();
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let requests = store::of_client(&state.db, user.practice_id, client_id).await?;
    Ok(bookings
        .into_iter()
        .map(|booking| OnlineBooking {
            appointment_id: booking.id,
            starts: moment_text(zone, booking.starts_at),
            booked: moment_text(zone, booking.created_at),
            latest: requests.iter().find(|r| r.appointment_id == booking.id).map(|r| (r.id, r.status_at(now))),
        })
        .collect())
}

/// Sends a request for a booking's address to support. At most [`MAX_OPEN`] open per practice,
/// one open per booking; both are checked inside one write that holds the practice.
pub async fn request(
    state: &AppState,
    user: &CurrentUser,
    appointment_id: i64,
    text: RequestText,
    lang: Lang,
) -> Result<IpRequestId, AppError> {
    let booking = crate::calendar::store::online_booking(&state.db, user.practice_id, appointment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db).await?;
    store::lock_practice_in(&mut tx, state.db.backend(), user.practice_id).await?;
    store::expire_in(&mut tx, user.practice_id, now).await?;
    if store::open_count_in(&mut tx, user.practice_id).await? >= MAX_OPEN {
        return Err(AppError::Conflict(Problem::TooManyOpenRequests { max: MAX_OPEN }));
    }
    let keys = envelope::for_client_in(&mut tx, &state.master_key, user.practice_id, booking.client_id).await?;
    let new = NewRequest {
        practice_id: user.practice_id,
        client_id: booking.client_id,
        appointment_id,
        requested_by: &user.name,
        booking_starts_at: booking.starts_at,
        booked_at: booking.created_at,
        now,
        expires_at: now + OPEN_DAYS * DAY,
    };
    let id = store::insert_in(&mut tx, new, |id| {
        let record = record(id);
        (
            keys.seal_text(&text.client_reference, Field { record: &record, field: REFERENCE }),
            keys.seal_text(&text.reason, Field { record: &record, field: REASON }),
        )
    })
    .await?
    .ok_or(AppError::Conflict(Problem::AlreadyRequested))?;
    audit::record(&mut *tx, user, now, AuditAction::IpAddressRequested, Some(booking.client_id), Some(id.0)).await?;
    tx.commit().await?;
    tell_support(state, id, lang);
    Ok(id)
}

/// Tells the operator's support address that a request waits (no client, no reason in the mail).
fn tell_support(state: &AppState, id: IpRequestId, lang: Lang) {
    let to = state.config.operator.email.trim();
    if to.is_empty() {
        return;
    }
    let t = lang.texts();
    state.mailer.send_in_background(Email {
        to: to.to_string(),
        subject: t.mail_ip_request_support_subject.into(),
        body: t
            .mail_ip_request_support_body
            .replace("{link}", &format!("{}/support/ip-requests/{id}", state.config.base_url)),
        attachments: Vec::new(),
    });
}

/// The practice's requests, newest first.
pub async fn list(state: &AppState, user: &CurrentUser) -> Result<Vec<IpRequestView>, AppError> {
    let rows = store::list(&state.db, user.practice_id).await?;
    let mut conn = state.db.acquire().await?;
    let ids: Vec<ClientId> = rows.iter().map(|row| row.client_id).collect();
    let keys = envelope::of_clients(&mut conn, &state.master_key, user.practice_id, Some(&ids)).await?;
    drop(conn);
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let now = state.clock.now();
    rows.iter().filter_map(|row| keys.get(&row.client_id).map(|keys| view_of(row, keys, zone, now))).collect()
}

/// One request of the caller's practice.
pub async fn view(state: &AppState, user: &CurrentUser, id: IpRequestId) -> Result<IpRequestView, AppError> {
    let row = store::of_practice(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let keys = keys_of(state, row.practice_id, row.client_id).await?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    view_of(&row, &keys, zone, state.clock.now())
}

async fn keys_of(state: &AppState, practice_id: PracticeId, client_id: ClientId) -> Result<ClientKeys, AppError> {
    envelope::existing(&state.db, &state.master_key, practice_id, client_id)
        .await?
        .ok_or_else(|| AppError::internal("a request's client has no keys"))
}

/// The request's texts, opened: the client reference, the reason and support's note. Never the
/// address.
struct Texts {
    reference: String,
    reason: String,
    note: Option<String>,
}

fn open_texts(row: &RequestRow, keys: &ClientKeys) -> Result<Texts, AppError> {
    let record = record(row.id);
    let open = |sealed: &[u8], field| keys.open_text(sealed, Field { record: &record, field });
    Ok(Texts {
        reference: open(&row.client_reference, REFERENCE)?,
        reason: open(&row.reason, REASON)?,
        note: row.decision_note.as_deref().map(|note| open(note, NOTE)).transpose()?,
    })
}

fn decision_of(row: &RequestRow, note: Option<String>, zone: chrono_tz::Tz) -> Option<DecisionView> {
    Some(DecisionView {
        by: row.decided_by.clone()?,
        case_reference: row.authority_reference.clone().unwrap_or_default(),
        case_date: row.authority_date.clone().unwrap_or_default(),
        note: note.unwrap_or_default(),
        decided: moment_text(zone, row.decided_at?),
    })
}

fn view_of(row: &RequestRow, keys: &ClientKeys, zone: chrono_tz::Tz, now: i64) -> Result<IpRequestView, AppError> {
    let texts = open_texts(row, keys)?;
    let status = row.status_at(now);
    Ok(IpRequestView {
        id: row.id,
        appointment_id: row.appointment_id,
        client_id: row.client_id,
        client_reference: texts.reference,
        booking_starts: moment_text(zone, row.booking_starts_at),
        reason: texts.reason,
        status,
        requested_by: row.requested_by.clone(),
        requested: moment_text(zone, row.created_at),
        open_until: status.is_open().then(|| moment_text(zone, row.expires_at)),
        decision: decision_of(row, texts.note, zone),
        released: row.released_by.clone().zip(row.released_at.map(|at| moment_text(zone, at))),
    })
}

/// The release step: the only place a booking's address is opened. The request must be approved
/// and not yet released, and the practitioner gives the password again. It is marked released,
/// and audited, in the transaction that reads the address, so it happens once.
pub async fn release(
    state: &AppState,
    user: &CurrentUser,
    id: IpRequestId,
    password: PlainPassword,
    lang: Lang,
) -> Result<ReleasedAddress, AppError> {
    let row = store::of_practice(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    if row.status_at(now) != IpRequestStatus::Approved {
        return Err(AppError::Conflict(Problem::NotApproved));
    }
    crate::security::service::check_current_password(state, user, password, "password").await?;
    let mut tx = db::begin_write(&state.db).await?;
    if !store::release_in(&mut tx, user.practice_id, id, &user.name, now).await? {
        return Err(AppError::Conflict(Problem::NotApproved));
    }
    let opened =
        crate::booking::service::booker_details_in(&mut tx, &state.master_key, user.practice_id, row.appointment_id)
            .await?;
    let Some((ip, user_agent)) = opened else {
        return Err(AppError::Conflict(Problem::AddressGone));
    };
    audit::record(&mut *tx, user, now, AuditAction::IpAddressReleased, Some(row.client_id), Some(id.0)).await?;
    tx.commit().await?;
    tracing::info!(request = %id, practice = %user.practice_id, "a booking's IP address was released");

    let keys = keys_of(state, row.practice_id, row.client_id).await?;
    let texts = open_texts(&row, &keys)?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let practice = crate::profile::store::practice(&state.db, user.practice_id).await?;
    let released = ReleasedAddress {
        device: crate::security::service::parse_device(&user_agent),
        ip,
        user_agent,
        booked: moment_text(zone, row.booked_at),
        booking_starts: moment_text(zone, row.booking_starts_at),
        statement_base64: String::new(),
        statement_name: format!("ip-address-statement-{id}.pdf"),
    };
    let statement = Statement {
        id,
        practice: &practice,
        reference: &texts.reference,
        reason: &texts.reason,
        decision: decision_of(&row, None, zone),
        released: &released,
        released_by: &user.name,
        released_at: &moment_text(zone, now),
        requested: &moment_text(zone, row.created_at),
        operator: &state.config.operator.name,
    };
    let pdf = statement.render(lang);
    Ok(ReleasedAddress { statement_base64: base64::engine::general_purpose::STANDARD.encode(pdf), ..released })
}

struct Statement<'a> {
    id: IpRequestId,
    practice: &'a crate::profile::types::PracticeDetails,
    reference: &'a str,
    reason: &'a str,
    decision: Option<DecisionView>,
    released: &'a ReleasedAddress,
    released_by: &'a str,
    released_at: &'a str,
    requested: &'a str,
    operator: &'a str,
}

impl Statement<'_> {
    /// The statement for the police or a lawyer: what was recorded, how it was kept, and on
    /// whose decision it was released.
    fn render(&self, lang: Lang) -> Vec<u8> {
        let t = lang.texts();
        let footer = t.ip_statement_footer.replace("{n}", &self.id.to_string());
        let mut doc = Document::new(t.ip_statement_title, lang.code(), &footer);
        doc.title(t.ip_statement_title);
        doc.paragraph(&t.ip_statement_intro.replace("{operator}", self.operator));
        doc.heading(t.ip_statement_booking);
        doc.row(t.practice_name, &self.practice.name);
        if !self.practice.org_number.is_empty() {
            doc.row(t.profile_org_number, &self.practice.org_number);
        }
        doc.row(t.ip_client_reference, self.reference);
        doc.row(t.ip_booking_starts, &self.released.booking_starts);
        doc.row(t.ip_booked_at, &self.released.booked);
        doc.row(t.ip_address, &self.released.ip);
        doc.row(t.ip_user_agent, &self.released.user_agent);
        doc.heading(t.ip_statement_request);
        doc.row(t.ip_request_number, &self.id.to_string());
        doc.row(t.ip_requested, self.requested);
        doc.row(t.ip_reason, self.reason);
        if let Some(decision) = &self.decision {
            doc.row(t.ip_case_reference, &decision.case_reference);
            doc.row(t.ip_case_date, &decision.case_date);
            doc.row(t.ip_decided_by, &decision.by);
        }
        doc.row(t.ip_released_to, self.released_by);
        doc.row(t.ip_released_at, self.released_at);
        doc.finish()
    }
}

// ---- Support ----

/// Support's queue: practice, client reference, booking time, status. Never the address.
pub async fn queue(state: &AppState) -> Result<Vec<SupportIpLine>, AppError> {
    let rows = store::queue(&state.db, 100).await?;
    let now = state.clock.now();
    // Each practice's name and zone read once, however many of its requests wait.
    let mut practices = std::collections::HashMap::new();
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        if let std::collections::hash_map::Entry::Vacant(entry) = practices.entry(row.practice_id) {
            let name = crate::profile::store::name_of(&state.db, row.practice_id).await?;
            let zone = crate::profile::store::zone_of(&state.db, row.practice_id).await?;
            entry.insert((name, zone));
        }
        let (name, zone) = &practices[&row.practice_id];
        let keys = keys_of(state, row.practice_id, row.client_id).await?;
        lines.push(line_of(row, &open_texts(row, &keys)?.reference, name, *zone, now));
    }
    Ok(lines)
}

fn line_of(row: &RequestRow, reference: &str, practice_name: &str, zone: chrono_tz::Tz, now: i64) -> SupportIpLine {
    SupportIpLine {
        id: row.id,
        practice_name: practice_name.to_string(),
        client_reference: reference.to_string(),
        booking_starts: moment_text(zone, row.booking_starts_at),
        status: row.status_at(now),
        submitted_secs_ago: now - row.created_at,
    }
}

/// A request as support decides it. Opening a sent request puts it under review; every opening
/// is in the operator's audit log.
pub async fn support_detail(
    state: &AppState,
    staff: &CurrentUser,
    id: IpRequestId,
) -> Result<SupportIpDetail, AppError> {
    let now = state.clock.now();
    store::mark_in_review(&state.db, id, now).await?;
    let row = store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    crate::support::service::record_action(state, staff, SupportAction::IpOpened, None, id.0).await?;
    let keys = keys_of(state, row.practice_id, row.client_id).await?;
    let texts = open_texts(&row, &keys)?;
    let zone = crate::profile::store::zone_of(&state.db, row.practice_id).await?;
    let practice = crate::profile::store::practice(&state.db, row.practice_id).await?;
    Ok(SupportIpDetail {
        line: line_of(&row, &texts.reference, &practice.name, zone, now),
        org_number: practice.org_number,
        requested_by: row.requested_by.clone(),
        reason: texts.reason,
        booked: moment_text(zone, row.booked_at),
        requested_on: day_of(zone, row.created_at),
        today: day_of(zone, now),
        decision: decision_of(&row, texts.note, zone),
    })
}

fn day_of(zone: chrono_tz::Tz, at: i64) -> String {
    crate::dates::date_text(crate::local_time::to_local(zone, at).0)
}

/// Support's decision as the form sends it.
pub struct DecisionForm<'a> {
    pub decision: &'a str,
    pub case_reference: &'a str,
    pub case_date: &'a str,
    pub note: &'a str,
    pub password: PlainPassword,
    pub code: &'a str,
}

/// Records support's decision, made with the data protection authority: approve or refuse, each
/// with the authority's case reference and date, after the support person's password and code.
/// The practice is told by mail, without the address.
pub async fn decide(
    state: &AppState,
    staff: &CurrentUser,
    id: IpRequestId,
    form: DecisionForm<'_>,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(), AppError> {
    let row = store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    if !matches!(row.status_at(now), IpRequestStatus::Sent | IpRequestStatus::InReview) {
        return Err(AppError::Conflict(Problem::AlreadyDecided));
    }
    let zone = crate::profile::store::zone_of(&state.db, row.practice_id).await?;
    let text = DecisionText::parse(
        form.decision,
        form.case_reference,
        form.case_date,
        form.note,
        &day_of(zone, row.created_at),
        &day_of(zone, now),
    )?;
    crate::support::service::confirm_staff(state, staff, form.password, form.code, origin, origin.ip, lang).await?;
    let keys = keys_of(state, row.practice_id, row.client_id).await?;
    let note = keys.seal_text(&text.note, Field { record: &record(id), field: NOTE });
    let by = format!("{} <{}>", staff.name, staff.email);
    let decision = Decision {
        id,
        approve: text.approve,
        by: &by,
        case_reference: &text.case_reference,
        case_date: &text.case_date,
        note: &note,
        now,
        expires_at: if text.approve { now + APPROVED_DAYS * DAY } else { row.expires_at },
    };
    if !store::decide(&state.db, decision).await? {
        return Err(AppError::Conflict(Problem::AlreadyDecided));
    }
    let (support_action, practice_action) = if text.approve {
        (SupportAction::IpApproved, AuditAction::IpRequestApproved)
    } else {
        (SupportAction::IpRefused, AuditAction::IpRequestRefused)
    };
    crate::support::service::record_action(state, staff, support_action, None, id.0).await?;
    let actor = (staff.user_id, staff.name.as_str());
    audit::record_as(&state.db, row.practice_id, actor, now, practice_action, row.client_id, Some(id.0)).await?;
    tell_practice(state, &row, text.approve, lang).await
}

/// The practice's mail about a decision: which request, and where to read it. No address, no
/// client, no reason.
async fn tell_practice(state: &AppState, row: &RequestRow, approved: bool, lang: Lang) -> Result<(), AppError> {
    let t = lang.texts();
    let (subject, body) = if approved {
        (t.mail_ip_approved_subject, t.mail_ip_approved_body)
    } else {
        (t.mail_ip_refused_subject, t.mail_ip_refused_body)
    };
    let link = format!("{}/ip-requests/{}", state.config.base_url, row.id);
    for to in crate::auth::store::practitioner_emails(&state.db, row.practice_id).await? {
        state.mailer.send_in_background(Email {
            to,
            subject: subject.replace("{n}", &row.id.to_string()),
            body: body.replace("{n}", &row.id.to_string()).replace("{link}", &link),
            attachments: Vec::new(),
        });
    }
    Ok(())
}

// ---- Retention ----

/// The start of the retention period: `months` calendar months before `now`.
pub fn retention_cutoff(now: i64, months: u32) -> i64 {
    Utc.timestamp_opt(now, 0)
        .single()
        .and_then(|moment| moment.checked_sub_months(Months::new(months)))
        .map_or(i64::MIN, |moment| moment.timestamp())
}

/// Clears the IP address and User-Agent of bookings made more than the operator's retention
/// period ago, unless a request for the booking is open or was approved in the last 30 days (or,
/// `dry_run`, counts them). Run by the nightly cleanup, under its lease.
pub async fn clear_old_addresses(state: &AppState, dry_run: bool) -> Result<u64, AppError> {
    let now = state.clock.now();
    if !dry_run {
        store::expire_all(&state.db, now).await?;
    }
    let cutoff = retention_cutoff(now, state.config.booking_ip_retention_months);
    let keep = store::protected_bookings(&state.db, now, APPROVED_DAYS * DAY).await?;
    Ok(crate::calendar::store::clear_booker_details(&state.db, cutoff, &keep, dry_run).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_counts_calendar_months_back() {
        let now = Utc.with_ymd_and_hms(2026, 8, 31, 12, 0, 0).unwrap().timestamp();
        let six = Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap().timestamp();
        assert_eq!(retention_cutoff(now, 6), six, "the end of a short month");
        let year = Utc.with_ymd_and_hms(2025, 8, 31, 12, 0, 0).unwrap().timestamp();
        assert_eq!(retention_cutoff(now, 12), year);
    }
}
