//! Calendar rules: an appointment lies inside the opening hours, does not overlap another, and
//! belongs with its client and service to the caller's practice.

use super::store::{self, AppointmentRow, Change, Changed, NewAppointment, Restored};
use super::types::{
    AppointmentDetail, AppointmentOverview, AppointmentView, CalendarMode, DayColumn, WeekView, three_day_start,
};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::clients;
use crate::clients::directory::Directory;
use crate::error::{AppError, Problem};
use crate::ids::{ClientId, PracticeId};
use crate::local_time;
use crate::server::db::begin_write;
use crate::server::envelope::{self, ClientKeys, Field};
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;
use crate::times::{clock_label, parse_clock};

const NOTES_MAX: usize = 2000;
/// The field name an appointment's notes are sealed under.
pub const NOTES: &str = "appointments.notes";

/// Where an appointment's sealed values belong inside its client (notes; booking's booker
/// details): bound to the appointment, so a value moved to another row does not open.
pub fn appointment_record(id: i64) -> String {
    format!("appointment:{id}")
}

/// The notes sealed for appointment `id` (`None`: no notes).
pub fn seal_notes(keys: &ClientKeys, id: i64, notes: &str) -> Option<Vec<u8>> {
    (!notes.is_empty()).then(|| keys.seal_text(notes, Field { record: &appointment_record(id), field: NOTES }))
}

/// A row's client name and notes, opened with the client from the practice's directory; `None`
/// when the client is not in it. A directory read after the rows holds every client they name
/// (a client is committed before, or with, its first appointment) but one deleted meanwhile.
fn opened(directory: &Directory, row: &AppointmentRow) -> Result<Option<(String, String)>, AppError> {
    let Some(entry) = directory.get(row.client_id) else { return Ok(None) };
    let notes = match &row.notes_sealed {
        Some(sealed) => entry.open_remembered(NOTES, row.id, || appointment_record(row.id), sealed)?,
        None => String::new(),
    };
    Ok(Some((entry.profile.name.clone(), notes)))
}

/// An appointment as a client's data export holds it.
#[derive(serde::Serialize)]
pub struct AppointmentRecord {
    pub starts: String,
    pub ends: String,
    pub service: String,
    /// `booked` or `cancelled`.
    pub status: String,
    /// `practitioner` (put in the calendar by the practice) or `online` (booked by the client).
    pub source: String,
    pub notes: String,
}

/// Every appointment of the client, opened with its keys, for its data export (which the caller
/// records). The booker's network address is not in it: that is released only through support.
pub async fn records_of(
    state: &AppState,
    practice_id: PracticeId,
    client_id: ClientId,
    keys: &ClientKeys,
    zone: chrono_tz::Tz,
) -> Result<Vec<AppointmentRecord>, AppError> {
    let rows = store::of_client(&state.db, practice_id, client_id).await?;
    rows.into_iter()
        .map(|row| {
            let notes = match &row.notes_sealed {
                Some(sealed) => keys.open_text(sealed, Field { record: &appointment_record(row.id), field: NOTES })?,
                None => String::new(),
            };
            Ok(AppointmentRecord {
                starts: local_time::instant_text(zone, row.starts_at),
                ends: local_time::instant_text(zone, row.ends_at),
                service: row.service_name.unwrap_or_default(),
                status: if row.status == "booked" { "booked".into() } else { "cancelled".into() },
                source: row.source,
                notes,
            })
        })
        .collect()
}

/// An appointment as the form sends it.
pub struct AppointmentInput<'a> {
    pub client_id: &'a str,
    /// While client data is hidden the form has no list of names: the client is typed, and
    /// found here when `client_id` is empty.
    pub client_name: &'a str,
    pub service_id: &'a str,
    pub date: &'a str,
    pub time: &'a str,
    pub notes: &'a str,
}

/// Checks a local date and clock time against the opening hours; the UTC start and end.
pub async fn place(
    state: &AppState,
    practice_id: PracticeId,
    date: &str,
    clock: &str,
    duration_minutes: i64,
) -> Result<(i64, i64), AppError> {
    let day = crate::dates::parse_date(date.trim()).ok_or_else(|| AppError::field("date", Problem::InvalidDate))?;
    let minute = parse_clock(clock).ok_or_else(|| AppError::field("time", Problem::InvalidTime))?;
    let hours = crate::services::store::opening_hours(&state.db, practice_id).await?;
    let open = hours.get(local_time::weekday(day) as usize).and_then(|d| d.open);
    match open {
        Some((opens, closes)) if minute >= opens && minute + duration_minutes <= closes => {}
        _ => return Err(AppError::field("time", Problem::OutsideOpeningHours)),
    }
    let zone = crate::profile::store::zone_of(&state.db, practice_id).await?;
    let starts = local_time::to_utc(zone, day, minute).ok_or_else(|| AppError::field("time", Problem::InvalidTime))?;
    Ok((starts, starts + duration_minutes * 60))
}

struct Checked {
    client_id: ClientId,
    service_id: i64,
    duration_minutes: i64,
    notes: String,
}

/// The client and the service must be the practice's own; an id of another practice is refused
/// exactly like one that does not exist.
async fn check(state: &AppState, practice_id: PracticeId, input: &AppointmentInput<'_>) -> Result<Checked, AppError> {
    let mut errors = Vec::new();
    let client_id = input.client_id.trim().parse::<ClientId>().ok();
    let client = match client_id {
        Some(id) => clients::service::entry(state, practice_id, id).await?.map(|_| id).ok_or(Problem::Required),
        None if !input.client_name.trim().is_empty() => find_client(state, practice_id, input.client_name).await?,
        None => Err(Problem::Required),
    };
    let client =
        client.map_err(|problem| errors.push(crate::error::FieldError { field: "client_id".into(), problem })).ok();
    let service = match input.service_id.trim().parse::<i64>().ok() {
        Some(id) => crate::services::store::service(&state.db, practice_id, id).await?,
        None => None,
    };
    if service.is_none() {
        errors.push(crate::error::FieldError { field: "service_id".into(), problem: Problem::Required });
    }
    let notes = input.notes.trim().to_string();
    if notes.chars().count() > NOTES_MAX {
        errors.push(crate::error::FieldError { field: "notes".into(), problem: Problem::TooLong { max: NOTES_MAX } });
    }
    match (client, service) {
        (Some(client_id), Some(service)) if errors.is_empty() => {
            Ok(Checked { client_id, service_id: service.id, duration_minutes: service.duration_minutes, notes })
        }
        _ => Err(AppError::Validation(errors)),
    }
}

/// The one client of the practice a typed name means: the only one it matches (name, email or
/// phone, in part), or else the only one with exactly that name.
async fn find_client(
    state: &AppState,
    practice_id: PracticeId,
    typed: &str,
) -> Result<Result<ClientId, Problem>, AppError> {
    let Ok(query) = crate::clients::types::search_text(typed) else { return Ok(Err(Problem::NoClientMatches)) };
    let directory = clients::service::directory(state, practice_id).await?;
    let found = directory.search(&query, 50);
    let exact: Vec<ClientId> = found
        .iter()
        .filter(|c| c.profile.name.trim().to_lowercase() == query.trim().to_lowercase())
        .map(|c| c.id)
        .collect();
    Ok(match (found.as_slice(), exact.as_slice()) {
        ([], _) => Err(Problem::NoClientMatches),
        ([only], _) => Ok(only.id),
        (_, [only]) => Ok(*only),
        _ => Err(Problem::SeveralClientsMatch),
    })
}

pub async fn create(state: &AppState, user: &CurrentUser, input: AppointmentInput<'_>) -> Result<i64, AppError> {
    let checked = check(state, user.practice_id, &input).await?;
    let (starts_at, ends_at) = place(state, user.practice_id, input.date, input.time, checked.duration_minutes).await?;
    let appointment = NewAppointment {
        practice_id: user.practice_id,
        client_id: checked.client_id,
        service_id: Some(checked.service_id),
        starts_at,
        ends_at,
        source: "practitioner",
        now: state.clock.now(),
    };
    let mut tx = begin_write(&state.db).await?;
    let id = store::insert_if_free_in(&mut tx, state.db.backend(), appointment)
        .await?
        .ok_or_else(|| AppError::field("time", Problem::TimeTaken))?;
    let keys = envelope::for_client_in(&mut tx, &state.master_key, user.practice_id, checked.client_id).await?;
    store::set_notes_in(&mut tx, id, seal_notes(&keys, id, &checked.notes).as_deref()).await?;
    let now = state.clock.now();
    audit::record(&mut *tx, user, now, AuditAction::AppointmentCreated, Some(checked.client_id), Some(id)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Edits or moves an appointment; the new time must be free and open.
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: AppointmentInput<'_>,
) -> Result<(), AppError> {
    let checked = check(state, user.practice_id, &input).await?;
    let (starts_at, ends_at) = place(state, user.practice_id, input.date, input.time, checked.duration_minutes).await?;
    let before = store::appointment(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let keys = envelope::for_client(&state.db, &state.master_key, user.practice_id, checked.client_id).await?;
    let notes_sealed = seal_notes(&keys, id, &checked.notes);
    let change = Change {
        practice_id: user.practice_id,
        id,
        client_id: checked.client_id,
        service_id: Some(checked.service_id),
        starts_at,
        ends_at,
        notes_sealed: notes_sealed.as_deref(),
    };
    match store::change_if_free(&state.db, change).await? {
        Changed::Done => {
            // Moved to another client: both clients' logs show the change.
            let now = state.clock.now();
            let mut clients = vec![checked.client_id];
            if before.client_id != checked.client_id {
                clients.push(before.client_id);
            }
            for client_id in clients {
                audit::record(&state.db, user, now, AuditAction::AppointmentChanged, Some(client_id), Some(id)).await?;
            }
            Ok(())
        }
        Changed::Taken => Err(AppError::field("time", Problem::TimeTaken)),
        Changed::NotFound => Err(AppError::NotFound),
    }
}

pub async fn detail(state: &AppState, user: &CurrentUser, id: i64) -> Result<AppointmentDetail, AppError> {
    let row = store::appointment(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let directory = clients::service::directory(state, user.practice_id).await?;
    let (client_name, notes) = opened(&directory, &row)?.ok_or(AppError::NotFound)?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let (date, minute) = local_time::to_local(zone, row.starts_at);
    let now = state.clock.now();
    audit::record(&state.db, user, now, AuditAction::AppointmentRead, Some(row.client_id), Some(row.id)).await?;
    Ok(AppointmentDetail {
        id: row.id,
        client_id: row.client_id,
        client_name,
        service_id: row.service_id,
        date: crate::dates::date_text(date),
        time: clock_label(minute),
        duration_minutes: (row.ends_at - row.starts_at) / 60,
        notes,
        cancelled: row.status != "booked",
    })
}

/// The summary page's view of an appointment of the caller's practice (any other answers
/// `NotFound`); the read is recorded in the practice's audit log, like every client read.
pub async fn summary(state: &AppState, user: &CurrentUser, id: i64) -> Result<AppointmentOverview, AppError> {
    let row = store::appointment(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let directory = clients::service::directory(state, user.practice_id).await?;
    let (client_name, notes) = opened(&directory, &row)?.ok_or(AppError::NotFound)?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    let (date, start_minute) = local_time::to_local(zone, row.starts_at);
    let now = state.clock.now();
    let consent = crate::consent::service::statuses(state, user.practice_id)
        .await?
        .get(&row.client_id)
        .copied()
        .unwrap_or(crate::consent::types::ConsentStatus::NotAsked);
    audit::record(&state.db, user, now, AuditAction::AppointmentRead, Some(row.client_id), Some(row.id)).await?;
    Ok(AppointmentOverview {
        id: row.id,
        client_id: row.client_id,
        client_name,
        service_name: row.service_name.unwrap_or_default(),
        colour: row.service_colour.unwrap_or_default(),
        date: crate::dates::date_text(date),
        weekday: local_time::weekday(date),
        start_minute,
        end_minute: (start_minute + (row.ends_at - row.starts_at) / 60).min(24 * 60),
        notes,
        online: row.source == "online",
        consent,
        cancelled: row.status != "booked",
    })
}

/// Cancels a booked appointment. Returns its date, for the calendar to show the week it was in.
pub async fn cancel(state: &AppState, user: &CurrentUser, id: i64) -> Result<String, AppError> {
    let row = store::appointment(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    if !store::cancel(&state.db, user.practice_id, id, now).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&state.db, user, now, AuditAction::AppointmentCancelled, Some(row.client_id), Some(id)).await?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    Ok(crate::dates::date_text(local_time::to_local(zone, row.starts_at).0))
}

/// How long a cancellation can be undone.
pub const UNDO_SECS: i64 = 60;

/// Undoes a cancellation made within the last minute, if the time is still free. Returns the
/// appointment's date.
pub async fn undo_cancel(state: &AppState, user: &CurrentUser, id: i64) -> Result<String, AppError> {
    let since = state.clock.now() - UNDO_SECS;
    match store::restore_if_free(&state.db, user.practice_id, id, since).await? {
        Restored::Done => {}
        Restored::Taken => return Err(AppError::Conflict(Problem::TimeTaken)),
        Restored::NotFound => return Err(AppError::Conflict(Problem::UndoExpired)),
    }
    let row = store::appointment(&state.db, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    audit::record(&state.db, user, state.clock.now(), AuditAction::AppointmentChanged, Some(row.client_id), Some(id))
        .await?;
    let zone = crate::profile::store::zone_of(&state.db, user.practice_id).await?;
    Ok(crate::dates::date_text(local_time::to_local(zone, row.starts_at).0))
}

/// The days around `date` (today when empty or unreadable) that `mode` shows, as the calendar
/// draws them: the week from its Monday, or three days or one from `date`.
pub async fn week(
    state: &AppState,
    user: &CurrentUser,
    date: &str,
    mode: CalendarMode,
    client_data_hidden: bool,
) -> Result<WeekView, AppError> {
    let (zone, hide_after_idle_minutes) = tokio::try_join!(
        crate::profile::store::zone_of(&state.db, user.practice_id),
        crate::auth::store::hide_after_idle_minutes(&state.db, user.user_id),
    )?;
    let now = state.clock.now();
    let (today, now_minute) = local_time::to_local(zone, now);
    let selected = crate::dates::parse_date(date.trim()).unwrap_or(today);
    let invalid = || AppError::field("date", Problem::InvalidDate);
    let monday = local_time::monday_of(selected).ok_or_else(invalid)?;
    let first = match mode {
        CalendarMode::Auto | CalendarMode::Week => monday,
        CalendarMode::ThreeDays | CalendarMode::Day => selected,
    };
    // The days shown and the day after them.
    let dates =
        (0..=mode.days()).map(|i| crate::dates::add_days(first, i)).collect::<Option<Vec<_>>>().ok_or_else(invalid)?;
    let three_from = three_day_start(local_time::weekday(selected));
    let hours = crate::services::store::opening_hours(&state.db, user.practice_id).await?;
    let days: Vec<DayColumn> = dates[..dates.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, &date)| {
            let weekday = local_time::weekday(date);
            DayColumn {
                date: crate::dates::date_text(date),
                weekday,
                open: hours[weekday as usize].open,
                today: date == today,
                in_three: mode == CalendarMode::Auto && (three_from..three_from + 3).contains(&(i as i64)),
            }
        })
        .collect();
    let first_minute = hours.iter().filter_map(|d| d.open.map(|o| o.0)).min().unwrap_or(8 * 60).min(8 * 60) / 60 * 60;
    let last_minute =
        (hours.iter().filter_map(|d| d.open.map(|o| o.1)).max().unwrap_or(16 * 60).max(16 * 60) + 59) / 60 * 60;
    let from = local_time::to_utc(zone, first, 0).unwrap_or(now);
    let to = local_time::to_utc(zone, dates[dates.len() - 1], 0).unwrap_or(now);
    let (consent, rows, mut directory) = tokio::try_join!(
        crate::consent::service::statuses(state, user.practice_id),
        async { Ok(store::booked_between(&state.db, user.practice_id, from, to).await?) },
        clients::service::directory(state, user.practice_id),
    )?;
    // Read side by side, the clients may predate a booking that the rows already show: then once
    // more, after the rows.
    if rows.iter().any(|row| directory.get(row.client_id).is_none()) {
        directory = clients::service::directory(state, user.practice_id).await?;
    }
    let shown = days.len() as i64;
    let mut appointments = Vec::with_capacity(rows.len());
    for row in rows {
        let (date, start_minute) = local_time::to_local(zone, row.starts_at);
        let day = (date - first).num_days();
        if !(0..shown).contains(&day) {
            continue;
        }
        let signed = consent.get(&row.client_id).copied() == Some(crate::consent::types::ConsentStatus::Signed);
        let Some((client_name, notes)) = opened(&directory, &row)? else { continue };
        appointments.push(AppointmentView {
            id: row.id,
            day: day as usize,
            start_minute,
            end_minute: (start_minute + (row.ends_at - row.starts_at) / 60).min(24 * 60),
            client_name,
            service_name: row.service_name.unwrap_or_default(),
            notes,
            online: row.source == "online",
            colour: row.service_colour.unwrap_or_default(),
            consent_missing: !signed,
        });
    }
    let now_day = (today - first).num_days();
    Ok(WeekView {
        mode,
        monday: crate::dates::date_text(monday),
        selected: crate::dates::date_text(selected),
        today: crate::dates::date_text(today),
        days,
        first_minute,
        last_minute,
        appointments,
        now: (0..shown).contains(&now_day).then_some((now_day as usize, now_minute)),
        hide_after_idle_minutes,
        client_data_hidden,
    })
}
