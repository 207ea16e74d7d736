//! Online booking: free times from the opening hours and the calendar, and a booking that lands
//! in the practice's calendar. The booker's IP address and User-Agent are kept sealed.

use sqlx::AnyConnection;

use super::types::{BookingOffer, slugify};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::calendar::service::appointment_record;
use crate::calendar::store::{NewAppointment, booked_between, insert_if_free_in, set_booker_in};
use crate::clients;
use crate::clients::types::{ClientInput, RawClient};
use crate::error::{AppError, FieldError, Problem};
use crate::i18n::Lang;
use crate::ids::{ClientId, PracticeId};
use crate::local_time;
use crate::profile::store::{self as practices, BookingPractice};
use crate::server::db;
use crate::server::envelope::{self, Field};
use crate::server::mail::{ClientRecipient, Email};
use crate::server::request::Origin;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;
use crate::services::types::Service;
use crate::times::{clock_label, parse_clock};

/// How far ahead a client can book, in days.
pub const DAYS_AHEAD: i64 = 28;
/// Free times start every quarter of an hour.
const STEP_MINUTES: i64 = 15;

async fn practice(state: &AppState, slug: &str) -> Result<BookingPractice, AppError> {
    if !super::types::is_slug(slug) {
        return Err(AppError::NotFound);
    }
    practices::by_booking_slug(&state.db, slug).await?.ok_or(AppError::NotFound)
}

pub async fn page(state: &AppState, slug: &str) -> Result<BookingOffer, AppError> {
    let practice = practice(state, slug).await?;
    let services = crate::services::store::services(&state.db, practice.id).await?;
    let zone = local_time::zone(&practice.time_zone);
    let (today, _) = local_time::to_local(zone, state.clock.now());
    let hours = crate::services::store::opening_hours(&state.db, practice.id).await?;
    let days = (0..DAYS_AHEAD)
        .filter_map(|i| crate::dates::add_days(today, i))
        .filter(|day| hours[local_time::weekday(*day) as usize].open.is_some())
        .map(|day| (crate::dates::date_text(day), local_time::weekday(day)))
        .collect();
    Ok(BookingOffer { practice_name: practice.name, services, days })
}

async fn service_of(state: &AppState, practice_id: PracticeId, service_id: &str) -> Result<Service, AppError> {
    let id = service_id.trim().parse::<i64>().map_err(|_| AppError::field("service_id", Problem::Required))?;
    crate::services::store::service(&state.db, practice_id, id)
        .await?
        .ok_or_else(|| AppError::field("service_id", Problem::Required))
}

/// The start times still free on a date for a service, as `HH:MM`.
async fn free(
    state: &AppState,
    practice: &BookingPractice,
    service: &Service,
    date: &str,
) -> Result<Vec<String>, AppError> {
    let zone = local_time::zone(&practice.time_zone);
    let now = state.clock.now();
    let (today, _) = local_time::to_local(zone, now);
    let day = crate::dates::parse_date(date.trim()).ok_or_else(|| AppError::field("date", Problem::InvalidDate))?;
    if day < today || crate::dates::add_days(today, DAYS_AHEAD).is_none_or(|end| day >= end) {
        return Ok(Vec::new());
    }
    let hours = crate::services::store::opening_hours(&state.db, practice.id).await?;
    let Some((opens, closes)) = hours[local_time::weekday(day) as usize].open else { return Ok(Vec::new()) };
    let (from, to) =
        (local_time::to_utc(zone, day, 0).unwrap_or(now), local_time::to_utc(zone, day, 24 * 60).unwrap_or(now));
    let booked = booked_between(&state.db, practice.id, from, to).await?;
    let duration = service.duration_minutes;
    let mut times = Vec::new();
    let mut minute = opens.div_euclid(STEP_MINUTES) * STEP_MINUTES;
    while minute + duration <= closes {
        if minute >= opens
            && let Some(start) = local_time::to_utc(zone, day, minute)
        {
            let end = start + duration * 60;
            if start > now && !booked.iter().any(|b| b.starts_at < end && b.ends_at > start) {
                times.push(clock_label(minute));
            }
        }
        minute += STEP_MINUTES;
    }
    Ok(times)
}

pub async fn free_times(state: &AppState, slug: &str, service_id: &str, date: &str) -> Result<Vec<String>, AppError> {
    let practice = practice(state, slug).await?;
    let service = service_of(state, practice.id, service_id).await?;
    free(state, &practice, &service, date).await
}

pub struct BookingInput<'a> {
    pub service_id: &'a str,
    pub date: &'a str,
    pub time: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
}

/// Books a free time for the booker: the appointment appears in the calendar, the booker gets a
/// confirmation, and where the booking came from is sealed. Returns the local date and time.
pub async fn book(
    state: &AppState,
    slug: &str,
    input: BookingInput<'_>,
    origin: &Origin<'_>,
    lang: Lang,
) -> Result<(String, String), AppError> {
    let practice = practice(state, slug).await?;
    let service = service_of(state, practice.id, input.service_id).await?;
    let raw =
        RawClient { name: input.name, email: input.email, phone: input.phone, birth_date: "", address: "", notes: "" };
    let person = ClientInput::parse(raw)?;
    if person.email.is_empty() {
        return Err(AppError::Validation(vec![FieldError { field: "email".into(), problem: Problem::Required }]));
    }
    let time_text = input.time.trim();
    let minute = parse_clock(time_text).ok_or_else(|| AppError::field("time", Problem::InvalidTime))?;
    // Every well-formed attempt counts, taken times too: probing the calendar costs like booking.
    if let Err(retry_after_secs) = state.throttle.admit_mail_request("booking", origin.ip).await? {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    if !free(state, &practice, &service, input.date).await?.contains(&clock_label(minute)) {
        return Err(AppError::field("time", Problem::TimeTaken));
    }
    let zone = local_time::zone(&practice.time_zone);
    let day =
        crate::dates::parse_date(input.date.trim()).ok_or_else(|| AppError::field("date", Problem::InvalidDate))?;
    let starts_at =
        local_time::to_utc(zone, day, minute).ok_or_else(|| AppError::field("time", Problem::InvalidTime))?;
    let now = state.clock.now();
    // The client and the appointment in one transaction: a time taken in the meantime leaves no
    // client behind.
    let mut tx = db::begin_write(&state.db).await?;
    let client_id = client_for(state, &mut tx, practice.id, &person, now).await?;
    let appointment = NewAppointment {
        practice_id: practice.id,
        client_id,
        service_id: Some(service.id),
        starts_at,
        ends_at: starts_at + service.duration_minutes * 60,
        source: "online",
        now,
    };
    let Some(id) = insert_if_free_in(&mut tx, state.db.backend(), appointment).await? else {
        return Err(AppError::field("time", Problem::TimeTaken));
    };
    let keys = envelope::for_client_in(&mut tx, &state.master_key, practice.id, client_id).await?;
    let record = appointment_record(id);
    let ip = keys.seal(origin.ip.to_string().as_bytes(), Field { record: &record, field: BOOKER_IP });
    let agent = keys.seal(origin.user_agent.as_bytes(), Field { record: &record, field: BOOKER_AGENT });
    set_booker_in(&mut tx, id, &ip, &agent).await?;
    tx.commit().await?;
    audit::record_by_client(&state.db, practice.id, now, AuditAction::AppointmentBooked, client_id, Some(id)).await?;
    let (date, time) = (crate::dates::date_text(day), clock_label(minute));
    let t = lang.texts();
    let recipient = ClientRecipient { practice_id: practice.id, client_id };
    state.mailer.send_to_client_in_background(
        recipient,
        Email {
            to: person.email.clone(),
            attachments: Vec::new(),
            subject: t.mail_booked_subject.replace("{practice}", &practice.name),
            body: t
                .mail_booked_body
                .replace("{practice}", &practice.name)
                .replace("{service}", &service.name)
                .replace("{date}", &crate::dates::long_date_of(lang, &date))
                .replace("{time}", &time),
        },
    );
    Ok((date, time))
}

/// The practice's booking address, made from its name the first time it is asked for.
pub async fn booking_address(state: &AppState, user: &CurrentUser) -> Result<String, AppError> {
    let (name, slug) = practices::booking_slug_of(&state.db, user.practice_id).await?;
    if let Some(slug) = slug {
        return Ok(format!("{}/book/{slug}", state.config.base_url));
    }
    let base = slugify(&name);
    // "klinikk-nord", "klinikk-nord-2" … "klinikk-nord-5", then a random tail: a common name
    // never runs out of addresses.
    for attempt in 0..20 {
        let candidate = match attempt {
            0 => base.clone(),
            1..5 => format!("{base}-{}", attempt + 1),
            _ => format!("{base}-{:06x}", rand::random::<u32>() & 0xff_ffff),
        };
        if practices::set_booking_slug(&state.db, user.practice_id, &candidate).await? {
            break;
        }
    }
    let (_, slug) = practices::booking_slug_of(&state.db, user.practice_id).await?;
    let slug = slug.ok_or_else(|| AppError::internal("no free booking address"))?;
    Ok(format!("{}/book/{slug}", state.config.base_url))
}

const BOOKER_IP: &str = "appointments.booker_ip";
const BOOKER_AGENT: &str = "appointments.booker_agent";

/// The practice's client with the booker's name and e-mail (found in the opened directory, as
/// the database cannot compare sealed values), or a new one with the booker's details; in the
/// booking's transaction, so two bookings at once by a new person make one client on SQLite.
async fn client_for(
    state: &AppState,
    tx: &mut AnyConnection,
    practice_id: PracticeId,
    person: &ClientInput,
    now: i64,
) -> Result<ClientId, AppError> {
    let directory = clients::service::directory_in(state, &mut *tx, practice_id).await?;
    if let Some(id) = directory.with_name_and_email(&person.name, &person.email) {
        return Ok(id);
    }
    clients::service::create_in(state, tx, practice_id, person, now).await
}

/// The booker's IP address and User-Agent of an online booking, opened, in the caller's
/// transaction. Only the release step of an approved request (`ip_requests::service::release`)
/// calls this: no page, endpoint or export opens them otherwise. `None` once they are cleared.
pub async fn booker_details_in(
    conn: &mut AnyConnection,
    master: &crate::server::crypto::MasterKey,
    practice_id: PracticeId,
    id: i64,
) -> Result<Option<(String, String)>, AppError> {
    let Some(row) = crate::calendar::store::booker_of_in(&mut *conn, practice_id, id).await? else {
        return Ok(None);
    };
    let Some(keys) = envelope::existing_in(conn, master, practice_id, row.client_id).await? else {
        return Ok(None);
    };
    let record = appointment_record(id);
    Ok(Some((
        keys.open_text(&row.ip, Field { record: &record, field: BOOKER_IP })?,
        keys.open_text(&row.agent, Field { record: &record, field: BOOKER_AGENT })?,
    )))
}
