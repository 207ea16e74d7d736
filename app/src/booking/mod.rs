//! The practice's public booking page (`/book/<practice>`), made for phones: choose a service,
//! a day and a free time, give name, email and phone. Plain links and one form: it works
//! without JavaScript.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::forms::{Field, FormMessage, Submit, action_error};
use crate::components::layout::LanguageSwitch;
use crate::dates;
use crate::i18n::{t, use_lang};
use crate::times::{duration_label, weekday_name};
use api::{Book, booking_page, free_times};

fn slug() -> String {
    use_params_map().with_untracked(|p| p.get("slug").unwrap_or_default())
}

#[component]
pub fn BookingPageView() -> impl IntoView {
    let texts = t();
    let slug = slug();
    // The chosen service and day live in the address (so the page works without JavaScript);
    // once hydrated, following a link changes only the query, and the page must follow it.
    let query = use_query_map();
    let service_id = Memo::new(move |_| query.with(|q| q.get("service").unwrap_or_default()));
    let date = Memo::new(move |_| query.with(|q| q.get("date").unwrap_or_default()));
    let page = Resource::new_blocking(
        {
            let slug = slug.clone();
            move || slug.clone()
        },
        booking_page,
    );
    let times = Resource::new_blocking(
        {
            let slug = slug.clone();
            move || (slug.clone(), service_id.get(), date.get())
        },
        |(slug, service_id, date)| async move {
            if service_id.is_empty() || date.is_empty() {
                Ok(Vec::new())
            } else {
                free_times(slug, service_id, date).await
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (slug, service_id, date) = (slug.clone(), service_id.get(), date.get());
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let base = format!("/book/{slug}");
                            let chosen = page.services.iter().find(|s| s.id.to_string() == service_id).cloned();
                            let times = times.await.unwrap_or_default();
                            view! {
                                <BookingFrame title=page.practice_name.clone()>
                                    <h1>{texts.booking_title}</h1>
                                    <h2>{texts.booking_choose_service}</h2>
                                    {page
                                        .services
                                        .is_empty()
                                        .then(|| view! { <p class="empty">{texts.booking_no_services}</p> })}
                                    <ul class="choices">
                                        {page
                                            .services
                                            .iter()
                                            .map(|s| {
                                                let facts = [duration_label(s.duration_minutes, texts), s.price_label()]
                                                    .into_iter()
                                                    .filter(|x| !x.is_empty())
                                                    .collect::<Vec<_>>()
                                                    .join(" · ");
                                                view! {
                                                    <li>
                                                        <a
                                                            class="choice"
                                                            class:chosen=s.id.to_string() == service_id
                                                            href=format!("{base}?service={}", s.id)
                                                        >
                                                            <strong>{s.name.clone()}</strong>
                                                            <span class="hint">{facts}</span>
                                                        </a>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                    {chosen
                                        .map(|service| {
                                            let days = page.days.clone();
                                            view! {
                                                <h2>{texts.booking_choose_day}</h2>
                                                <ul class="days">
                                                    {days
                                                        .into_iter()
                                                        .map(|(day, weekday)| {
                                                            let label = format!(
                                                                "{} {}",
                                                                weekday_name(weekday, texts),
                                                                &day[8..10].trim_start_matches('0'),
                                                            );
                                                            view! {
                                                                <li>
                                                                    <a
                                                                        class="choice day-choice"
                                                                        class:chosen=day == date
                                                                        href=format!("{base}?service={}&date={day}", service.id)
                                                                    >
                                                                        {label}
                                                                    </a>
                                                                </li>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </ul>
                                                {(!date.is_empty())
                                                    .then(|| {
                                                        view! {
                                                            <h2>{texts.booking_choose_time}</h2>
                                                            {times
                                                                .is_empty()
                                                                .then(|| {
                                                                    view! { <p class="empty">{texts.booking_no_times}</p> }
                                                                })}
                                                            <BookingForm
                                                                slug=slug.clone()
                                                                service_id=service.id.to_string()
                                                                date=date.clone()
                                                                times
                                                            />
                                                        }
                                                    })}
                                            }
                                        })}
                                </BookingFrame>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            error.set_page_status();
                            view! {
                                <BookingFrame title=texts.not_found_title.to_string()>
                                    <h1>{texts.not_found_title}</h1>
                                    <p>{texts.booking_not_found}</p>
                                </BookingFrame>
                            }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn BookingFrame(title: String, children: Children) -> impl IntoView {
    view! {
        // The practice's name is public: it is on the booking address anyway.
        <Title text=format!("{title} · Trygg") />
        <div class="public booking">
            <header class="public-header">
                <span class="brand">{title.clone()}</span>
                <LanguageSwitch />
            </header>
            <main id="main" class="card">
                {children()}
            </main>
        </div>
    }
}

#[component]
fn BookingForm(slug: String, service_id: String, date: String, times: Vec<String>) -> impl IntoView {
    let texts = t();
    let action = ServerAction::<Book>::new();
    let error = action_error(action);
    let time_problem = Memo::new(move |_| error.get().and_then(|e| e.for_field("time")));
    (!times.is_empty()).then(|| {
        view! {
            <ActionForm action attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="service_id" value=service_id />
                <input type="hidden" name="date" value=date />
                <fieldset class="times" aria-describedby="time-error">
                    <legend class="visually-hidden">{texts.booking_choose_time}</legend>
                    {times
                        .into_iter()
                        .enumerate()
                        .map(|(i, time)| {
                            let id = format!("time-{i}");
                            view! {
                                <input type="radio" name="time" id=id.clone() value=time.clone() required=true />
                                <label for=id class="time-choice">
                                    {time}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <p class="field-error" id="time-error">
                    {move || time_problem.get().map(|p| p.message(texts))}
                </p>
                <h2>{texts.booking_your_details}</h2>
                <Field label=texts.your_name name="name" autocomplete="name" error />
                <Field label=texts.email name="email" kind="email" autocomplete="email" error />
                <Field label=texts.client_phone name="phone" kind="tel" autocomplete="tel" error />
                <Submit action label=texts.booking_submit />
            </ActionForm>
        }
    })
}

/// `/book/<practice>/booked?date=…&time=…`: the confirmation.
#[component]
pub fn BookedPage() -> impl IntoView {
    let texts = t();
    let slug = slug();
    let (date, time) =
        use_query_map().with_untracked(|q| (q.get("date").unwrap_or_default(), q.get("time").unwrap_or_default()));
    let page = Resource::new_blocking(move || slug.clone(), booking_page);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (date, time) = (date.clone(), time.clone());
                Suspend::new(async move {
                    let page = page.await;
                    if let Err(error) = &page {
                        error.set_page_status();
                    }
                    let name = page.map(|p| p.practice_name).unwrap_or_default();
                    view! {
                        <BookingFrame title=name>
                            <h1>{texts.booking_done_title}</h1>
                            <p role="status">
                                {texts
                                    .booking_done_body
                                    .replace("{date}", &dates::long_date_of(use_lang(), &date))
                                    .replace("{time}", &time)}
                            </p>
                        </BookingFrame>
                    }
                })
            }}
        </Suspense>
    }
}
