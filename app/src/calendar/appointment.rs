//! The appointment pages: new, summary (`/calendar/appointments/:id`) and edit, with their form
//! and the client picker.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    CancelAppointment, CreateAppointment, UpdateAppointment, appointment_summary, client_data_hidden, get_appointment,
};
use super::long_date;
use super::types::AppointmentDetail;
use crate::clients::api::list_clients;
use crate::components::forms::{FormMessage, Submit, action_error, page_error};
use crate::error::AppError;
use crate::i18n::t;
use crate::ids::ClientId;
use crate::services::api::list_services;
use crate::services::types::colour_class;
use crate::times::{clock_label, duration_label};

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
                                    <dd>
                                        {how}
                                        {a
                                            .online
                                            .then(|| {
                                                view! {
                                                    " · "
                                                    <a href=format!(
                                                        "/ip-requests/new?appointment={}",
                                                        a.id,
                                                    )>{texts.ip_request_link}</a>
                                                }
                                            })}
                                    </dd>
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
                    Err(error) => page_error(&error, texts),
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
                    Err(error) => page_error(&error, texts),
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
