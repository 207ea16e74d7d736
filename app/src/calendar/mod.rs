//! The calendar: a week (a day on phones) of appointments inside the opening hours, the forms
//! that create, edit, move and cancel them, and "hide client data".

pub mod api;
mod appointment;
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{FormMessage, action_error};
use crate::components::icons::Globe;
use crate::i18n::{Texts, t};
use crate::services::types::colour_class;
use crate::times::{clock_label, weekday_name};
use api::{UndoCancel, calendar_week};
pub use appointment::{AppointmentPage, EditAppointmentPage, NewAppointmentPage};
use privacy::{PrivacyToggle, use_privacy};
use types::{AppointmentView, CalendarMode, WeekView};

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
