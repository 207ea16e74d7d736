//! The calendar: a week (a day on phones) of appointments inside the opening hours, the forms
//! that create, edit, move and cancel them, and "hide client data".

pub mod api;
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::clients::api::list_clients;
use crate::components::forms::{FormMessage, Submit, action_error};
use crate::components::icons::Globe;
use crate::error::AppError;
use crate::i18n::{Texts, t};
use crate::ids::ClientId;
use crate::services::api::list_services;
use crate::services::types::colour_class;
use crate::times::{clock_label, duration_label, weekday_name};
use api::{
    CancelAppointment, CreateAppointment, UndoCancel, UpdateAppointment, appointment_summary, calendar_week,
    client_data_hidden, get_appointment,
};
use privacy::{PrivacyToggle, use_privacy};
use types::{AppointmentDetail, AppointmentView, CalendarMode, WeekView};

/// `/calendar?date=YYYY-MM-DD&view=week|3days|day`: the days around that date (today without one).
#[component]
pub fn CalendarPage() -> impl IntoView {
    let texts = t();
    let query = use_query_map();
    let date = move || query.with(|q| q.get("date").unwrap_or_default());
    let view = move || query.with(|q| q.get("view").unwrap_or_default());
    let cancelled = Memo::new(move |_| query.with(|q| q.get("cancelled").and_then(|id| id.parse::<i64>().ok())));
    // An undone cancellation leaves the same days without `cancelled`: read them again.
    let week =
        Resource::new_blocking(move || (date(), view(), cancelled.get()), |(date, view, _)| calendar_week(date, view));
    view! {
        // Only ever the page's name: the tab title shows in task bars and shared screens.
        <Title text=format!("{} · Trygg", texts.nav_calendar) />
        {move || cancelled.get().map(|id| view! { <CancelledNotice id /> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match week.await {
                    Ok(week) => view! { <Week week /> }.into_any(),
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
                <input type="hidden" name="id" value=id.to_string() />
                <button type="submit" class="secondary">
                    {texts.appointment_undo}
                </button>
            </ActionForm>
            <FormMessage error />
        </div>
    }
}

fn shift(date: &str, days: i64) -> String {
    crate::dates::parse_date(date)
        .and_then(|date| crate::dates::add_days(date, days))
        .map(crate::dates::date_text)
        .unwrap_or_default()
}

/// The nth of a comma-separated list of texts (`weekdays_short`).
fn nth(list: &'static str, index: usize) -> &'static str {
    list.split(',').nth(index).unwrap_or_default()
}

/// "Monday 7 Dec 2026" / "Mandag 7. des. 2026".
pub fn long_date(date: &str, weekday: i64, texts: &Texts) -> String {
    format!("{} {}", weekday_name(weekday, texts), crate::dates::long_date_of(texts.lang(), date))
}

/// Where a link keeps the chosen view: `&view=…`, or nothing for the automatic one.
fn view_param(mode: CalendarMode) -> String {
    match mode.param() {
        "" => String::new(),
        param => format!("&view={param}"),
    }
}

fn calendar_href(date: &str, mode: CalendarMode) -> String {
    format!("/calendar?date={date}{}", view_param(mode))
}

/// Previous and next, by the number of days the view shows.
#[component]
fn Step(
    back: String,
    forward: String,
    back_label: &'static str,
    forward_label: &'static str,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    view! {
        <a class=format!("button secondary step {class}") href=back aria-label=back_label>
            <span aria-hidden="true">"‹"</span>
        </a>
        <a class=format!("button secondary step {class}") href=forward aria-label=forward_label>
            <span aria-hidden="true">"›"</span>
        </a>
    }
}

#[component]
fn Week(week: WeekView) -> impl IntoView {
    let texts = t();
    let privacy = use_privacy(week.hide_after_idle_minutes, week.client_data_hidden);
    let mode = week.mode;
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
    let dates: Vec<String> = week.days.iter().map(|d| d.date.clone()).collect();
    let (first_date, last_date) =
        (dates.first().cloned().unwrap_or_default(), dates.last().cloned().unwrap_or_default());
    // Auto shows the week, or three of its days on a tablet, or the selected day on a phone:
    // each width has its own label and steps, and CSS shows the one that fits.
    let three: Vec<String> = week.days.iter().filter(|d| d.in_three).map(|d| d.date.clone()).collect();
    let (three_first, three_last) =
        (three.first().cloned().unwrap_or_default(), three.last().cloned().unwrap_or_default());
    let selected_day = week.days.iter().find(|d| d.date == selected).map(|d| d.weekday).unwrap_or_default();
    let day_title = long_date(&selected, selected_day, texts);
    let period = match mode {
        CalendarMode::Auto => view! {
            <span class="only-wide">{crate::dates::period(texts.lang(), &first_date, &last_date)}</span>
            <span class="only-mid">{crate::dates::period(texts.lang(), &three_first, &three_last)}</span>
            <span class="only-narrow">{day_title.clone()}</span>
        }
        .into_any(),
        CalendarMode::Day => view! { <span>{day_title.clone()}</span> }.into_any(),
        _ => view! { <span>{crate::dates::period(texts.lang(), &first_date, &last_date)}</span> }.into_any(),
    };
    let steps = match mode {
        CalendarMode::Auto => view! {
            <Step
                class="only-wide"
                back=calendar_href(&shift(&selected, -7), mode)
                forward=calendar_href(&shift(&selected, 7), mode)
                back_label=texts.calendar_previous_week
                forward_label=texts.calendar_next_week
            />
            <Step
                class="only-mid"
                back=calendar_href(&shift(&three_first, -3), mode)
                forward=calendar_href(&shift(&three_first, 3), mode)
                back_label=texts.calendar_previous_days
                forward_label=texts.calendar_next_days
            />
            <Step
                class="only-narrow"
                back=calendar_href(&shift(&selected, -1), mode)
                forward=calendar_href(&shift(&selected, 1), mode)
                back_label=texts.calendar_previous_day
                forward_label=texts.calendar_next_day
            />
        }
        .into_any(),
        CalendarMode::Week => view! {
            <Step
                back=calendar_href(&shift(&selected, -7), mode)
                forward=calendar_href(&shift(&selected, 7), mode)
                back_label=texts.calendar_previous_week
                forward_label=texts.calendar_next_week
            />
        }
        .into_any(),
        CalendarMode::ThreeDays => view! {
            <Step
                back=calendar_href(&shift(&selected, -3), mode)
                forward=calendar_href(&shift(&selected, 3), mode)
                back_label=texts.calendar_previous_days
                forward_label=texts.calendar_next_days
            />
        }
        .into_any(),
        CalendarMode::Day => view! {
            <Step
                back=calendar_href(&shift(&selected, -1), mode)
                forward=calendar_href(&shift(&selected, 1), mode)
                back_label=texts.calendar_previous_day
                forward_label=texts.calendar_next_day
            />
        }
        .into_any(),
    };
    let today_href = match mode.param() {
        "" => "/calendar".to_string(),
        param => format!("/calendar?view={param}"),
    };
    let showing_today = week.days.iter().any(|d| d.today);
    let view_link = |target: CalendarMode, label: &'static str, auto_class: &'static str| {
        let current = (mode == target).then_some("page");
        let class =
            if mode == CalendarMode::Auto { format!("view-link {auto_class}") } else { "view-link".to_string() };
        view! {
            <a class=class href=format!("/calendar?date={selected}&view={}", target.param()) aria-current=current>
                {label}
            </a>
        }
    };
    let mut by_day: Vec<Vec<AppointmentView>> = vec![Vec::new(); week.days.len()];
    for appointment in week.appointments {
        if let Some(day) = by_day.get_mut(appointment.day) {
            day.push(appointment);
        }
    }
    let mode_class = match mode {
        CalendarMode::Auto => "calendar auto days-7",
        CalendarMode::Week => "calendar days-7",
        CalendarMode::ThreeDays => "calendar days-3",
        CalendarMode::Day => "calendar days-1",
    };
    view! {
        <div class="calendar-head">
            <h1>{texts.nav_calendar}</h1>
            <div class="calendar-actions">
                <PrivacyToggle privacy />
                <a class="button primary new-appointment" href=format!("/calendar/new?date={selected}")>
                    <span class="plus" aria-hidden="true">
                        "+"
                    </span>
                    <span class="label">{texts.appointment_new}</span>
                </a>
            </div>
        </div>
        <div class="calendar-toolbar">
            <nav class="calendar-nav" aria-label=texts.calendar_navigation>
                <a class="button secondary today-link" href=today_href aria-current=showing_today.then_some("date")>
                    {texts.calendar_today}
                </a>
                {steps}
            </nav>
            <h2 class="period" aria-live="polite">
                {period}
            </h2>
            <form method="get" action="/calendar" class="jump">
                <label for="jump-date" class="visually-hidden">
                    {texts.calendar_go_to}
                </label>
                <input id="jump-date" type="date" name="date" value=selected.clone() required=true />
                {(mode != CalendarMode::Auto).then(|| view! { <input type="hidden" name="view" value=mode.param() /> })}
                <button type="submit" class="secondary">
                    {texts.calendar_show}
                </button>
            </form>
            <nav class="views" aria-label=texts.calendar_views>
                {view_link(CalendarMode::Week, texts.calendar_view_week, "auto-wide")}
                {view_link(CalendarMode::ThreeDays, texts.calendar_view_3days, "auto-mid")}
                {view_link(CalendarMode::Day, texts.calendar_view_day, "auto-narrow")}
            </nav>
        </div>
        <div class="calendar-scroll">
            <div class=mode_class class:private=move || privacy.hidden.get()>
                <div class="hours" aria-hidden="true">
                    <div class="day-name"></div>
                    <div class=body_class
                        .clone()>
                        {hours
                            .iter()
                            .map(|h| view! { <span class=position(h * 60, h * 60 + 60)>{format!("{h:02}:00")}</span> })
                            .collect_view()}
                    </div>
                </div>
                {week
                    .days
                    .into_iter()
                    .zip(by_day)
                    .enumerate()
                    .map(|(index, (day, appointments))| {
                        let long = long_date(&day.date, day.weekday, texts);
                        let is_selected = day.date == selected;
                        let number = crate::dates::parse_date(&day.date)
                            .map(|date| chrono::Datelike::day(&date).to_string())
                            .unwrap_or_default();
                        let busy: Vec<(i64, i64)> = appointments
                            .iter()
                            .map(|a| (a.start_minute, a.end_minute))
                            .collect();
                        let slots = day
                            .open
                            .map(|(opens, closes)| {
                                (opens..closes)
                                    .step_by(30)
                                    .filter(|m| m + 30 <= closes && !busy.iter().any(|(s, e)| *s < m + 30 && *e > *m))
                                    .map(|minute| {
                                        let href = format!(
                                            "/calendar/new?date={}&time={}",
                                            day.date,
                                            clock_label(minute),
                                        );
                                        // Empty half hours open a new appointment there: for the mouse, a shortcut beside
                                        // the "New appointment" button (so not in the tab order, nor read out). Only whole
                                        // free half hours, so that no slot hides half under an appointment.
                                        view! {
                                            <a
                                                class=format!("slot {}", position(minute, minute + 30))
                                                href=href
                                                tabindex="-1"
                                                aria-hidden="true"
                                                data-time=clock_label(minute)
                                            ></a>
                                        }
                                    })
                                    .collect_view()
                            });
                        let closed = day.open.is_none();
                        let now_line = week
                            .now
                            .filter(|(d, m)| *d == index && *m >= first && *m < first + rows * 5)
                            .map(|(_, m)| {
                                view! { <div class=format!("now-line gs-{} ge-{}", row(m), row(m) + 1)></div> }
                            });
                        let day_href = format!("/calendar?date={}&view=day", day.date);
                        view! {
                            <section
                                class="day"
                                class:today=day.today
                                class:selected=is_selected
                                class:closed=closed
                                class:in-three=day.in_three
                                aria-label=long.clone()
                            >
                                <h3 class="day-name">
                                    // Read out as the whole date; the short form is for the eye.
                                    <a href=day_href aria-current=day.today.then_some("date")>
                                        <span class="weekday" aria-hidden="true">
                                            {nth(texts.weekdays_short, day.weekday as usize)}
                                        </span>
                                        <span class="date-number" aria-hidden="true">
                                            {number}
                                        </span>
                                        <span class="visually-hidden">{long.clone()}</span>
                                    </a>
                                </h3>
                                <div class=body_class
                                    .clone()>
                                    {slots} {now_line}
                                    {appointments
                                        .into_iter()
                                        .map(|a| {
                                            let position = position(a.start_minute, a.end_minute);
                                            view! { <Appointment a position /> }
                                        })
                                        .collect_view()}
                                </div>
                            </section>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}

/// One appointment in the grid: coloured by its service, its status as small icons, and a short
/// one (half an hour or less) on a single line.
#[component]
fn Appointment(a: AppointmentView, position: String) -> impl IntoView {
    let texts = t();
    let short = a.end_minute - a.start_minute <= 30;
    let class = format!("appt {} {position}", colour_class(&a.colour));
    let start = clock_label(a.start_minute);
    let end = clock_label(a.end_minute);
    let flags = (a.online || a.consent_missing).then(|| {
        view! {
            <span class="appt-flags">
                {a
                    .online
                    .then(|| {
                        view! {
                            <span class="flag online" role="img" aria-label=texts.appointment_online>
                                <Globe />
                            </span>
                        }
                    })}
                {a
                    .consent_missing
                    .then(|| {
                        view! {
                            <span class="flag consent" role="img" aria-label=texts.appointment_consent_missing>
                                "!"
                            </span>
                        }
                    })}
            </span>
        }
    });
    view! {
        <a class=class class:short=short class:online=a.online href=format!("/calendar/appointments/{}", a.id)>
            <span class="appt-time">
                {if short {
                    view! {
                        {start}
                        <span class="visually-hidden">"–"{end}</span>
                    }
                        .into_any()
                } else {
                    view! { {format!("{start}–{end}")} }.into_any()
                }}
            </span>
            <span class="appt-text">
                <strong class="appt-name">{a.client_name}</strong>
                <span class="appt-service">{a.service_name}</span>
                {(!a.notes.is_empty() && !short).then(|| view! { <span class="appt-notes">{a.notes}</span> })}
                {flags}
            </span>
        </a>
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
        <Title text=format!("{} · Trygg", texts.appointment_new) />
        <p>
            <a href=format!("/calendar?date={date}")>{texts.calendar_back}</a>
        </p>
        <h1>{texts.appointment_new}</h1>
        <ActionForm action attr:class="stack panel" attr:novalidate=true>
            <AppointmentFields error=action_error(action) detail=None date time />
            <Submit action label=texts.appointment_create />
        </ActionForm>
    }
}

fn appointment_id() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
}

/// `/calendar/appointments/:id`: who, what, when, notes and consent; Edit and Cancel.
#[component]
pub fn AppointmentPage() -> impl IntoView {
    let texts = t();
    let id = appointment_id();
    let summary = Resource::new_blocking(id, |id| async move {
        match id {
            Some(id) => appointment_summary(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let cancel = ServerAction::<CancelAppointment>::new();
    view! {
        <Title text=format!("{} · Trygg", texts.appointment_title) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(a) => {
                        let back = format!("/calendar?date={}", a.date);
                        let when = format!(
                            "{} · {}–{}",
                            long_date(&a.date, a.weekday, texts),
                            clock_label(a.start_minute),
                            clock_label(a.end_minute),
                        );
                        let length = duration_label(a.end_minute - a.start_minute, texts);
                        let profile = format!("/clients/{}", a.client_id);
                        let journal = format!("/clients/{}#journal", a.client_id);
                        let how = if a.online {
                            texts.appointment_booked_online_long
                        } else {
                            texts.appointment_booked_by_you
                        };
                        let notes = (!a.notes.is_empty()).then(|| a.notes.clone());
                        view! {
                            <p>
                                <a href=back>{texts.calendar_back}</a>
                            </p>
                            <article
                                class=format!("panel appt-summary {}", colour_class(&a.colour))
                                class:cancelled=a.cancelled
                            >
                                <header>
                                    <p class="eyebrow">{texts.appointment_title} " · " {a.service_name.clone()}</p>
                                    <h1>{a.client_name.clone()}</h1>
                                    <p class="when">{when}</p>
                                    <p class="client-links">
                                        <a href=profile>{texts.appointment_client_profile}</a>
                                        <a href=journal>{texts.appointment_client_journal}</a>
                                    </p>
                                </header>
                                {a.cancelled.then(|| view! { <p class="notice">{texts.appointment_cancelled}</p> })}
                                <dl class="facts">
                                    <dt>{texts.appointment_service}</dt>
                                    <dd>{a.service_name} " · " {length}</dd>
                                    <dt>{texts.appointment_how_booked}</dt>
                                    <dd>{how}</dd>
                                    <dt>{texts.consent_title}</dt>
                                    <dd>
                                        <span class=a.consent.class()>
                                            <span class="icon" aria-hidden="true"></span>
                                            {a.consent.label(texts)}
                                        </span>
                                    </dd>
                                    <dt>{texts.client_notes}</dt>
                                    <dd class="notes">
                                        {notes.unwrap_or_else(|| texts.appointment_notes_none.to_string())}
                                    </dd>
                                </dl>
                                {(!a.cancelled)
                                    .then(|| {
                                        view! {
                                            <div class="actions">
                                                <a
                                                    class="button primary"
                                                    href=format!("/calendar/appointments/{}/edit", a.id)
                                                >
                                                    {texts.appointment_edit}
                                                </a>
                                                <ActionForm action=cancel>
                                                    <input type="hidden" name="id" value=a.id.to_string() />
                                                    <button type="submit" class="danger">
                                                        {texts.appointment_cancel}
                                                    </button>
                                                </ActionForm>
                                            </div>
                                            <FormMessage error=action_error(cancel) />
                                        }
                                    })}
                            </article>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        error.set_page_status();
                        view! { <p class="error">{error.form_message(texts)}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// `/calendar/appointments/:id/edit`: another client or service, notes, a move, or cancel.
#[component]
pub fn EditAppointmentPage() -> impl IntoView {
    let texts = t();
    let id = appointment_id();
    let detail = Resource::new_blocking(id, |id| async move {
        match id {
            Some(id) => get_appointment(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let update = ServerAction::<UpdateAppointment>::new();
    let cancel = ServerAction::<CancelAppointment>::new();
    view! {
        <Title text=format!("{} · Trygg", texts.appointment_title) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) if !detail.cancelled => {
                        let (update_id, cancel_id) = (detail.id.to_string(), detail.id.to_string());
                        let (date, time) = (detail.date.clone(), detail.time.clone());
                        let back = format!("/calendar/appointments/{}", detail.id);
                        view! {
                            <p>
                                <a href=back>{texts.appointment_back}</a>
                            </p>
                            <h1>{texts.appointment_title}</h1>
                            <ActionForm action=update attr:class="stack panel" attr:novalidate=true>
                                <input type="hidden" name="id" value=update_id />
                                <AppointmentFields error=action_error(update) detail=Some(detail) date time />
                                <Submit action=update label=texts.appointment_save />
                            </ActionForm>
                            <section class="panel danger-zone">
                                <ActionForm action=cancel>
                                    <FormMessage error=action_error(cancel) />
                                    <input type="hidden" name="id" value=cancel_id />
                                    <button type="submit" class="danger">
                                        {texts.appointment_cancel}
                                    </button>
                                </ActionForm>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(_) => view! { <p class="empty">{texts.appointment_cancelled}</p> }.into_any(),
                    Err(error) => {
                        error.set_page_status();
                        view! { <p class="error">{error.form_message(texts)}</p> }.into_any()
                    }
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
    // While client data is hidden no names are fetched at all until the practitioner types.
    let options = Resource::new_blocking(
        || (),
        |_| async {
            let hidden = client_data_hidden().await.unwrap_or(true);
            let clients = if hidden { Ok(Vec::new()) } else { list_clients(String::new()).await };
            (hidden, clients, list_services().await)
        },
    );
    let problem = move |field: &'static str| Memo::new(move |_| error.get().and_then(|e| e.for_field(field)));
    let (client_problem, service_problem, date_problem, time_problem, notes_problem) =
        (problem("client_id"), problem("service_id"), problem("date"), problem("time"), problem("notes"));
    let chosen_client = detail.as_ref().map(|d| (d.client_id, d.client_name.clone()));
    let chosen_service = detail.as_ref().and_then(|d| d.service_id);
    let notes = detail.map(|d| d.notes).unwrap_or_default();
    let message = move |memo: Memo<Option<crate::error::Problem>>| move || memo.get().map(|p| p.message(texts));
    view! {
        <FormMessage error />
        <Suspense fallback=|| ()>
            {move || {
                let chosen_client = chosen_client.clone();
                Suspend::new(async move {
                    let (hidden, clients, services) = options.await;
                    let (clients, services) = (clients.unwrap_or_default(), services.unwrap_or_default());
                    let client_field = if hidden {
                        view! { <ClientFinder chosen=chosen_client problem=client_problem /> }.into_any()
                    } else {
                        let chosen = chosen_client.map(|(id, _)| id);
                        view! {
                            {clients
                                .is_empty()
                                .then(|| {
                                    view! {
                                        <p class="notice">
                                            {texts.appointment_needs_client} " "
                                            <a href="/clients/new">{texts.client_new}</a>
                                        </p>
                                    }
                                })}
                            <div class="field" class:invalid=move || client_problem.get().is_some()>
                                <label for="client_id">{texts.appointment_client}</label>
                                <select id="client_id" name="client_id" aria-describedby="client_id-error">
                                    <option value="">{texts.appointment_choose}</option>
                                    {clients
                                        .into_iter()
                                        .map(|c| {
                                            view! {
                                                <option value=c.id.to_string() selected=Some(c.id) == chosen>
                                                    {c.name}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                                <p class="field-error" id="client_id-error">
                                    {message(client_problem)}
                                </p>
                            </div>
                        }
                            .into_any()
                    };
                    view! {
                        {services
                            .is_empty()
                            .then(|| {
                                view! {
                                    <p class="notice">
                                        {texts.appointment_needs_service} " "
                                        <a href="/settings/services">{texts.settings_services}</a>
                                    </p>
                                }
                            })}
                        {client_field}
                        <div class="field" class:invalid=move || service_problem.get().is_some()>
                            <label for="service_id">{texts.appointment_service}</label>
                            <select id="service_id" name="service_id" aria-describedby="service_id-error">
                                <option value="">{texts.appointment_choose}</option>
                                {services
                                    .into_iter()
                                    .map(|s| {
                                        let label = format!(
                                            "{} ({})",
                                            s.name,
                                            duration_label(s.duration_minutes, texts),
                                        );
                                        view! {
                                            <option value=s.id.to_string() selected=Some(s.id) == chosen_service>
                                                {label}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                            <p class="field-error" id="service_id-error">
                                {message(service_problem)}
                            </p>
                        </div>
                    }
                })
            }}
        </Suspense>
        <div class="row-fields">
            <div class="field" class:invalid=move || date_problem.get().is_some()>
                <label for="date">{texts.appointment_date}</label>
                <input id="date" name="date" type="date" value=date aria-describedby="date-error" />
                <p class="field-error" id="date-error">
                    {message(date_problem)}
                </p>
            </div>
            <div class="field" class:invalid=move || time_problem.get().is_some()>
                <label for="time">{texts.appointment_time}</label>
                <input id="time" name="time" type="time" step="300" value=time aria-describedby="time-error" />
                <p class="field-error" id="time-error">
                    {message(time_problem)}
                </p>
            </div>
        </div>
        <div class="field" class:invalid=move || notes_problem.get().is_some()>
            <label for="notes">{texts.client_notes}</label>
            <textarea id="notes" name="notes" rows="3" aria-describedby="notes-error">
                {notes}
            </textarea>
            <p class="field-error" id="notes-error">
                {message(notes_problem)}
            </p>
        </div>
    }
}

/// The client, while client data is hidden: a text field and no list of names. With JavaScript
/// the practice's clients that match what is typed appear below it (fetched only then); without
/// it the server finds the one client the typed name means.
#[component]
fn ClientFinder(chosen: Option<(ClientId, String)>, problem: Memo<Option<crate::error::Problem>>) -> impl IntoView {
    let texts = t();
    let (chosen_id, chosen_name) = chosen.map_or((None, String::new()), |(id, name)| (Some(id), name));
    let typed = RwSignal::new(chosen_name.clone());
    let picked = RwSignal::new(chosen_id);
    let matches = RwSignal::new(Vec::<crate::clients::types::ClientSummary>::new());
    let asked = RwSignal::new(0_u64);
    let search = move |text: String| {
        typed.set(text.clone());
        picked.set(None);
        let ask = asked.get_untracked() + 1;
        asked.set(ask);
        if text.trim().is_empty() {
            matches.set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            let found = list_clients(text).await.unwrap_or_default();
            // Only the answer to the latest keystroke counts.
            if asked.get_untracked() == ask {
                matches.set(found.into_iter().take(8).collect());
            }
        });
    };
    view! {
        <div class="field client-finder" class:invalid=move || problem.get().is_some()>
            <label for="client_name">{texts.appointment_client}</label>
            <p class="hint" id="client_name-hint">
                {texts.appointment_find_hint}
            </p>
            <input
                id="client_name"
                name="client_name"
                type="search"
                autocomplete="off"
                placeholder=texts.appointment_find_client
                aria-describedby="client_name-hint client_id-error"
                value=chosen_name
                prop:value=move || typed.get()
                on:input=move |ev| search(event_target_value(&ev))
            />
            <input
                type="hidden"
                name="client_id"
                value=move || picked.get().map(|id| id.to_string()).unwrap_or_default()
            />
            <ul
                class="matches"
                aria-label=texts.appointment_matches
                hidden=move || matches.with(Vec::is_empty) || picked.get().is_some()
            >
                {move || {
                    matches
                        .get()
                        .into_iter()
                        .map(|c| {
                            let name = c.name.clone();
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="match"
                                        on:click=move |_| {
                                            typed.set(name.clone());
                                            picked.set(Some(c.id));
                                        }
                                    >
                                        {c.name.clone()}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <p class="field-error" id="client_id-error">
                {move || problem.get().map(|p| p.message(texts))}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::shift;
    use crate::i18n::Lang;

    #[test]
    fn a_day_is_named_with_its_weekday_and_long_date() {
        assert_eq!(super::long_date("2026-11-30", 0, Lang::En.texts()), "Monday 30 Nov 2026");
        assert_eq!(super::long_date("2026-12-07", 0, Lang::Nb.texts()), "Mandag 7. des. 2026");
    }

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
