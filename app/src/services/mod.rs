//! Settings → Services and opening hours: what clients can book, and when.

pub mod api;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::booking::api::booking_address;
use crate::components::forms::{Field, FormMessage, Submit, action_error, succeeded};
use crate::i18n::{Texts, t};
use crate::times::{clock_label, duration_label, weekday_name};
use api::{CreateService, DeleteService, SetOpeningHours, list_services, opening_hours};
use types::{COLOURS, DURATION_CHOICES, DayHours, colour_class, next_colour};

/// A palette colour's name, for the swatch's label.
pub fn colour_name(colour: &str, t: &Texts) -> &'static str {
    match COLOURS.iter().position(|c| *c == colour).unwrap_or(0) {
        0 => t.colour_teal,
        1 => t.colour_blue,
        2 => t.colour_violet,
        3 => t.colour_rose,
        4 => t.colour_amber,
        5 => t.colour_green,
        6 => t.colour_slate,
        _ => t.colour_coral,
    }
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    let texts = t();
    let create = ServerAction::<CreateService>::new();
    let delete = ServerAction::<DeleteService>::new();
    let set_hours = ServerAction::<SetOpeningHours>::new();
    let services =
        Resource::new_blocking(move || (create.version().get(), delete.version().get()), |_| list_services());
    let hours = Resource::new_blocking(move || set_hours.version().get(), |_| opening_hours());
    let address = Resource::new_blocking(|| (), |_| booking_address());
    let create_error = action_error(create);
    // A service added: the form starts empty for the next one.
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if succeeded(create)
            && let Some(form) = create_form.get()
        {
            form.reset();
        }
    });
    let duration_problem = Memo::new(move |_| create_error.get().and_then(|e| e.for_field("duration")));
    view! {
        <Title text=format!("{} · Trygg", texts.settings_services) />
        <h1>{texts.settings_services}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                address
                    .await
                    .ok()
                    .map(|url| {
                        view! {
                            <p class="notice">
                                {texts.booking_address} " " <a href=url.clone() data-testid="booking-address">
                                    {url.clone()}
                                </a>
                            </p>
                        }
                    })
            })}
        </Suspense>
        <section class="panel" aria-labelledby="services-heading">
            <h2 id="services-heading">{texts.services_title}</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match services.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">{texts.services_none}</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <ul class="service-list">
                                    {list
                                        .into_iter()
                                        .map(|service| {
                                            let id = service.id.to_string();
                                            let facts = [
                                                duration_label(service.duration_minutes, texts),
                                                service.price_label(),
                                            ]
                                                .into_iter()
                                                .filter(|s| !s.is_empty())
                                                .collect::<Vec<_>>()
                                                .join(" · ");
                                            let swatch = format!("swatch {}", colour_class(&service.colour));
                                            let colour = colour_name(&service.colour, texts);
                                            view! {
                                                <li>
                                                    <span class="service-name">
                                                        <span class=swatch role="img" aria-label=colour></span>
                                                        <strong>{service.name}</strong>
                                                        " "
                                                        <span class="hint">{facts}</span>
                                                    </span>
                                                    <ActionForm action=delete>
                                                        <input type="hidden" name="id" value=id />
                                                        <button type="submit" class="secondary">
                                                            {texts.services_delete}
                                                        </button>
                                                    </ActionForm>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <h3>{texts.services_new}</h3>
            <ActionForm action=create node_ref=create_form attr:class="stack" attr:novalidate=true>
                <FormMessage error=create_error />
                <Field label=texts.services_name name="name" error=create_error />
                <div class="field" class:invalid=move || duration_problem.get().is_some()>
                    <label for="duration">{texts.services_duration}</label>
                    <select id="duration" name="duration" aria-describedby="duration-error">
                        {DURATION_CHOICES
                            .into_iter()
                            .map(|minutes| {
                                view! {
                                    <option value=minutes.to_string() selected=minutes == 60>
                                        {duration_label(minutes, texts)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p class="field-error" id="duration-error">
                        {move || duration_problem.get().map(|p| p.message(texts))}
                    </p>
                </div>
                <Field
                    label=texts.services_price
                    name="price"
                    inputmode="decimal"
                    hint=texts.services_price_hint
                    error=create_error
                />
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let taken = services.await.unwrap_or_default();
                        let suggested = next_colour(taken.iter().map(|s| s.colour.as_str()));
                        view! { <ColourChoice suggested /> }
                    })}
                </Suspense>
                <Submit action=create label=texts.services_add />
            </ActionForm>
        </section>
        <section class="panel" aria-labelledby="hours-heading">
            <h2 id="hours-heading">{texts.hours_title}</h2>
            <p class="hint">{texts.hours_intro}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match hours.await {
                        Ok(week) => view! { <HoursForm week action=set_hours /> }.into_any(),
                        Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The palette as swatches (radio buttons); `suggested` is the first colour no service has.
#[component]
fn ColourChoice(suggested: &'static str) -> impl IntoView {
    let texts = t();
    view! {
        <fieldset class="colours">
            <legend>{texts.services_colour}</legend>
            <div class="swatches">
                {COLOURS
                    .into_iter()
                    .map(|colour| {
                        view! {
                            <label class="swatch-choice">
                                <input type="radio" name="colour" value=colour checked=colour == suggested />
                                <span class=format!("swatch {}", colour_class(colour)) aria-hidden="true"></span>
                                <span class="visually-hidden">{colour_name(colour, texts)}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

#[component]
fn HoursForm(week: Vec<DayHours>, action: ServerAction<SetOpeningHours>) -> impl IntoView {
    let texts = t();
    let error = action_error(action);
    let saved = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <ActionForm action attr:class="stack hours" attr:novalidate=true>
            <FormMessage error />
            {week
                .into_iter()
                .map(|day| {
                    let d = day.weekday;
                    let (from, to) = day
                        .open
                        .map_or(("08:00".to_string(), "16:00".to_string()), |(o, c)| (clock_label(o), clock_label(c)));
                    let problem = Memo::new(move |_| {
                        error
                            .get()
                            .and_then(|e| {
                                e.for_field(&format!("d{d}_from")).or_else(|| e.for_field(&format!("d{d}_to")))
                            })
                    });
                    view! {
                        <fieldset class="day-hours" class:invalid=move || problem.get().is_some()>
                            <legend>{weekday_name(d, texts)}</legend>
                            <label class="check">
                                <input
                                    type="checkbox"
                                    name=format!("hours[d{d}_open]")
                                    value="on"
                                    checked=day.open.is_some()
                                />
                                {texts.hours_open}
                            </label>
                            <label>
                                <span class="visually-hidden">{weekday_name(d, texts)} " " {texts.hours_from}</span>
                                <input type="time" name=format!("hours[d{d}_from]") value=from step="300" />
                            </label>
                            <span aria-hidden="true">"–"</span>
                            <label>
                                <span class="visually-hidden">{weekday_name(d, texts)} " " {texts.hours_to}</span>
                                <input type="time" name=format!("hours[d{d}_to]") value=to step="300" />
                            </label>
                            <p class="field-error">{move || problem.get().map(|p| p.message(texts))}</p>
                        </fieldset>
                    }
                })
                .collect_view()}
            <div class="row">
                <Submit action label=texts.hours_save />
                <span class="saved" role="status">
                    {move || saved().then_some(texts.logout_saved)}
                </span>
            </div>
        </ActionForm>
    }
}
