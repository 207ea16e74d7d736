//! The calendar: a week (a day on phones) of appointments inside the opening hours, the forms
//! that create, edit, move and cancel them, and "hide client data".

pub mod api;
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod time;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::clients::api::list_clients;
use crate::components::forms::{FormMessage, Submit, action_error};
use crate::error::AppError;
use crate::i18n::{Texts, t};
use crate::services::api::list_services;
use crate::services::types::clock_label;
use crate::services::weekday_name;
use api::{CancelAppointment, CreateAppointment, UndoCancel, UpdateAppointment, calendar_week, get_appointment};
use privacy::{PrivacyToggle, use_privacy};
use types::{AppointmentDetail, AppointmentView, WeekView};

/// `/calendar?date=YYYY-MM-DD`: the week of that date (today without one).
#[component]
pub fn CalendarPage() -> impl IntoView {
    let texts = t();
    let query = use_query_map();
    let date = move || query.with(|q| q.get("date").unwrap_or_default());
    let cancelled = Memo::new(move |_| query.with(|q| q.get("cancelled").and_then(|id| id.parse::<i64>().ok())));
    // An undone cancellation leaves the same week without `cancelled`: read the week again.
    let week = Resource::new_blocking(move || (date(), cancelled.get()), |(date, _)| calendar_week(date));
    view! {
        // Only ever the page's name: the tab title shows in task bars and shared screens.
        <Title text=format!("{} · Trygg", texts.nav_calendar)/>
        {move || cancelled.get().map(|id| view! { <CancelledNotice id/> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match week.await {
                    Ok(week) => view! { <Week week/> }.into_any(),
                    Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "Cancelled", with a minute to undo it (a form: it works without JavaScript too).
#[component]
fn CancelledNotice(id: i64) -> impl IntoView {
    let texts = t();
    let undo = ServerAction::<UndoCancel>::new();
    let error = action_error(undo);
    view! {
        <div class="notice undo" role="status">
            <p>{texts.appointment_cancelled}</p>
            <ActionForm action=undo>
                <input type="hidden" name="id" value=id.to_string()/>
                <button type="submit" class="secondary">{texts.appointment_undo}</button>
            </ActionForm>
            <FormMessage error/>
        </div>
    }
}

fn shift(date: &str, days: i64) -> String {
    let Some((y, m, d)) = crate::dates::parse_date(date) else { return String::new() };
    // Days since 1970-01-01 (proleptic Gregorian), shifted, and back.
    let days_from_civil = |y: i64, m: i64, d: i64| {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    };
    let z = days_from_civil(i64::from(y), i64::from(m), i64::from(d)) + days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn day_label(weekday: i64, date: &str, texts: &Texts) -> String {
    let day_month = date
        .get(8..10)
        .zip(date.get(5..7))
        .map(|(d, m)| format!("{}.{}", d.trim_start_matches('0'), m.trim_start_matches('0')));
    format!("{} {}", weekday_name(weekday, texts), day_month.unwrap_or_default())
}

#[component]
fn Week(week: WeekView) -> impl IntoView {
    let texts = t();
    let privacy = use_privacy(week.hide_after_idle_minutes, week.client_data_hidden);
    let first = week.first_minute;
    let rows = ((week.last_minute - first) / 5).clamp(12, 288);
    // Grid placement by class (see tools/make_calendar_grid.py): the CSP allows no style attributes.
    let row = move |minute: i64| ((minute - first).div_euclid(5) + 1).clamp(1, rows + 1);
    let position = move |start: i64, end: i64| {
        let (from, to) = (row(start), row(end + 4).max(row(start) + 1).min(rows + 1));
        format!("gs-{from} ge-{to}")
    };
    let body_class = format!("day-body rows-{rows}");
    let hours: Vec<i64> = (week.first_minute / 60..week.last_minute / 60).collect();
    let selected = week.selected.clone();
    let nav = |date: String, label: &'static str, name: &'static str, class: &'static str| {
        view! { <a class=format!("button secondary {class}") href=format!("/calendar?date={date}") aria-label=name>{label}</a> }
    };
    let mut by_day: Vec<Vec<AppointmentView>> = vec![Vec::new(); 7];
    for appointment in week.appointments {
        by_day[appointment.day].push(appointment);
    }
    view! {
        <div class="calendar-head">
            <h1>{texts.nav_calendar}</h1>
            <nav class="calendar-nav" aria-label=texts.calendar_navigation>
                {nav(shift(&week.monday, -7), texts.calendar_previous_week, texts.calendar_previous_week, "wide-only")}
                {nav(shift(&selected, -1), "←", texts.calendar_previous_day, "narrow-only")}
                <a class="button secondary" href="/calendar">{texts.calendar_today}</a>
                {nav(shift(&selected, 1), "→", texts.calendar_next_day, "narrow-only")}
                {nav(shift(&week.monday, 7), texts.calendar_next_week, texts.calendar_next_week, "wide-only")}
            </nav>
            <PrivacyToggle privacy/>
            <a class="button primary" href=format!("/calendar/new?date={selected}")>{texts.appointment_new}</a>
        </div>
        <div class="calendar" class:private=move || privacy.hidden.get()>
            <div class="hours" aria-hidden="true">
                <div class="day-name"></div>
                <div class=body_class.clone()>
                    {hours.iter().map(|h| view! { <span class=position(h * 60, h * 60 + 60)>{format!("{h:02}:00")}</span> }).collect_view()}
                </div>
            </div>
            {week.days.into_iter().zip(by_day).map(|(day, appointments)| {
                let label = day_label(day.weekday, &day.date, texts);
                let is_selected = day.date == selected;
                let (slot_label, section_label) = (label.clone(), label.clone());
                let slots = day.open.map(|(opens, closes)| {
                    (opens..closes).step_by(30).filter(|m| m + 30 <= closes).map(|minute| {
                        let href = format!("/calendar/new?date={}&time={}", day.date, clock_label(minute));
                        let name = format!("{} {} {}", texts.appointment_new, slot_label, clock_label(minute));
                        view! { <a class=format!("slot {}", position(minute, minute + 30)) href=href aria-label=name></a> }
                    }).collect_view()
                });
                let closed = day.open.is_none();
                let now_line = week.now.filter(|(d, m)| *d == day.weekday as usize && *m >= first && *m < first + rows * 5)
                    .map(|(_, m)| view! { <div class=format!("now-line gs-{} ge-{}", row(m), row(m) + 1)></div> });
                view! {
                    <section class="day" class:today=day.today class:selected=is_selected class:closed=closed aria-label=section_label>
                        <h2 class="day-name">{label}</h2>
                        <div class=body_class.clone()>
                            {slots}
                            {now_line}
                            {appointments.into_iter().map(|a| {
                                let time = format!("{}–{}", clock_label(a.start_minute), clock_label(a.end_minute));
                                view! {
                                    <a class=format!("appt {}", position(a.start_minute, a.end_minute)) class:online=a.online href=format!("/calendar/appointments/{}", a.id)>
                                        <span class="appt-time">{time}</span>
                                        <span class="appt-text">
                                            <strong>{a.client_name}</strong>
                                            <span>{a.service_name}</span>
                                            {(!a.notes.is_empty()).then(|| view! { <span class="appt-notes">{a.notes}</span> })}
                                        </span>
                                    </a>
                                }
                            }).collect_view()}
                        </div>
                    </section>
                }
            }).collect_view()}
        </div>
    }
}

/// `/calendar/new?date=…&time=…`.
#[component]
pub fn NewAppointmentPage() -> impl IntoView {
    let texts = t();
    let query = use_query_map();
    let (date, time) = query.with_untracked(|q| (q.get("date").unwrap_or_default(), q.get("time").unwrap_or_default()));
    let action = ServerAction::<CreateAppointment>::new();
    view! {
        <Title text=format!("{} · Trygg", texts.appointment_new)/>
        <p><a href=format!("/calendar?date={date}")>{texts.calendar_back}</a></p>
        <h1>{texts.appointment_new}</h1>
        <ActionForm action attr:class="stack panel" attr:novalidate=true>
            <AppointmentFields error=action_error(action) detail=None date time/>
            <Submit action label=texts.appointment_create/>
        </ActionForm>
    }
}

/// `/calendar/appointments/:id`: edit, move to another time, or cancel.
#[component]
pub fn AppointmentPage() -> impl IntoView {
    let texts = t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let detail = Resource::new_blocking(id, |id| async move {
        match id {
            Some(id) => get_appointment(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let update = ServerAction::<UpdateAppointment>::new();
    let cancel = ServerAction::<CancelAppointment>::new();
    view! {
        <Title text=format!("{} · Trygg", texts.appointment_title)/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) if !detail.cancelled => {
                        let (update_id, cancel_id) = (detail.id.to_string(), detail.id.to_string());
                        let (date, time) = (detail.date.clone(), detail.time.clone());
                        let back = format!("/calendar?date={date}");
                        view! {
                            <p><a href=back>{texts.calendar_back}</a></p>
                            <h1>{texts.appointment_title}</h1>
                            <ActionForm action=update attr:class="stack panel" attr:novalidate=true>
                                <input type="hidden" name="id" value=update_id/>
                                <AppointmentFields error=action_error(update) detail=Some(detail) date time/>
                                <Submit action=update label=texts.appointment_save/>
                            </ActionForm>
                            <section class="panel danger-zone">
                                <ActionForm action=cancel>
                                    <FormMessage error=action_error(cancel)/>
                                    <input type="hidden" name="id" value=cancel_id/>
                                    <button type="submit" class="danger">{texts.appointment_cancel}</button>
                                </ActionForm>
                            </section>
                        }.into_any()
                    }
                    Ok(_) => view! { <p class="empty">{texts.appointment_cancelled}</p> }.into_any(),
                    Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AppointmentFields(
    #[prop(into)] error: Signal<Option<AppError>>,
    detail: Option<AppointmentDetail>,
    date: String,
    time: String,
) -> impl IntoView {
    let texts = t();
    let options =
        Resource::new_blocking(|| (), |_| async { (list_clients(String::new()).await, list_services().await) });
    let problem = move |field: &'static str| Memo::new(move |_| error.get().and_then(|e| e.for_field(field)));
    let (client_problem, service_problem, date_problem, time_problem, notes_problem) =
        (problem("client_id"), problem("service_id"), problem("date"), problem("time"), problem("notes"));
    let chosen_client = detail.as_ref().map(|d| d.client_id);
    let chosen_service = detail.as_ref().and_then(|d| d.service_id);
    let notes = detail.map(|d| d.notes).unwrap_or_default();
    let message = move |memo: Memo<Option<crate::error::Problem>>| move || memo.get().map(|p| p.message(texts));
    view! {
        <FormMessage error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (clients, services) = options.await;
                let (clients, services) = (clients.unwrap_or_default(), services.unwrap_or_default());
                view! {
                    {clients.is_empty().then(|| view! { <p class="notice">{texts.appointment_needs_client} " " <a href="/clients/new">{texts.client_new}</a></p> })}
                    {services.is_empty().then(|| view! { <p class="notice">{texts.appointment_needs_service} " " <a href="/settings/services">{texts.settings_services}</a></p> })}
                    <div class="field" class:invalid=move || client_problem.get().is_some()>
                        <label for="client_id">{texts.appointment_client}</label>
                        <select id="client_id" name="client_id" aria-describedby="client_id-error">
                            <option value="">{texts.appointment_choose}</option>
                            {clients.into_iter().map(|c| view! {
                                <option value=c.id.to_string() selected=Some(c.id) == chosen_client>{c.name}</option>
                            }).collect_view()}
                        </select>
                        <p class="field-error" id="client_id-error">{message(client_problem)}</p>
                    </div>
                    <div class="field" class:invalid=move || service_problem.get().is_some()>
                        <label for="service_id">{texts.appointment_service}</label>
                        <select id="service_id" name="service_id" aria-describedby="service_id-error">
                            <option value="">{texts.appointment_choose}</option>
                            {services.into_iter().map(|s| {
                                let label = format!("{} ({})", s.name, crate::security::types::duration_label(s.duration_minutes, texts));
                                view! { <option value=s.id.to_string() selected=Some(s.id) == chosen_service>{label}</option> }
                            }).collect_view()}
                        </select>
                        <p class="field-error" id="service_id-error">{message(service_problem)}</p>
                    </div>
                }
            })}
        </Suspense>
        <div class="row-fields">
            <div class="field" class:invalid=move || date_problem.get().is_some()>
                <label for="date">{texts.appointment_date}</label>
                <input id="date" name="date" type="date" value=date aria-describedby="date-error"/>
                <p class="field-error" id="date-error">{message(date_problem)}</p>
            </div>
            <div class="field" class:invalid=move || time_problem.get().is_some()>
                <label for="time">{texts.appointment_time}</label>
                <input id="time" name="time" type="time" step="300" value=time aria-describedby="time-error"/>
                <p class="field-error" id="time-error">{message(time_problem)}</p>
            </div>
        </div>
        <div class="field" class:invalid=move || notes_problem.get().is_some()>
            <label for="notes">{texts.client_notes}</label>
            <textarea id="notes" name="notes" rows="3" aria-describedby="notes-error">{notes}</textarea>
            <p class="field-error" id="notes-error">{message(notes_problem)}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::shift;

    #[test]
    fn dates_shift_across_months_years_and_leap_days() {
        assert_eq!(shift("2026-11-23", 7), "2026-11-30");
        assert_eq!(shift("2026-11-30", 1), "2026-12-01");
        assert_eq!(shift("2026-12-31", 1), "2027-01-01");
        assert_eq!(shift("2028-03-01", -1), "2028-02-29");
        assert_eq!(shift("2026-01-01", -7), "2025-12-25");
        assert_eq!(shift("nonsense", 1), "");
    }
}
