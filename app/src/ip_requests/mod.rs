//! The IP address of a booking ("Be om IP-adresse fra en booking"): the practice requests it in
//! writing, support records the decision made with the data protection authority (`review`), and
//! only then is the address shown to the practitioner, once, with a statement to download.

pub mod api;
pub mod review;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::forms::{Field, FormMessage, Submit, TextArea, action_error, page_error};
use crate::error::AppError;
use crate::i18n::{Texts, t};
use crate::ids::{ClientId, IpRequestId};
use api::{
    ReleaseIpAddress, RequestIpAddress, get_booking_to_request, get_ip_request, get_online_bookings, list_ip_requests,
};
use types::{IpRequestStatus, IpRequestView, ReleasedAddress};

fn status_badge(status: IpRequestStatus, texts: &'static Texts) -> impl IntoView {
    view! {
        <span class=status.class() data-testid="ip-status">
            {status.label(texts)}
        </span>
    }
}

/// `/ip-requests`: every request of the practice and where it stands.
#[component]
pub fn IpRequestsPage() -> impl IntoView {
    let texts = t();
    let list = Resource::new_blocking(|| (), |_| list_ip_requests());
    view! {
        <Title text=format!("{} · Trygg", texts.ip_requests_title) />
        <h1>{texts.ip_requests_title}</h1>
        <p class="hint">{texts.ip_requests_intro}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{texts.ip_requests_empty}</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <ul class="requests">
                                {list
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <li class="request">
                                                <a href=format!(
                                                    "/ip-requests/{}",
                                                    r.id,
                                                )>{texts.ip_request_title.replace("{n}", &r.id.to_string())}</a>
                                                <span>{r.client_reference} " · " {r.booking_starts}</span>
                                                {status_badge(r.status, texts)}
                                                <span class="when">{r.requested}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => page_error(&error, texts),
                }
            })}
        </Suspense>
    }
}

/// `/ip-requests/new?appointment=…`: the written request for one online booking.
#[component]
pub fn NewIpRequestPage() -> impl IntoView {
    let texts = t();
    let appointment = use_query_map().with_untracked(|q| q.get("appointment").and_then(|id| id.parse::<i64>().ok()));
    let booking = Resource::new_blocking(
        move || appointment,
        |id| async move {
            match id {
                Some(id) => get_booking_to_request(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let action = ServerAction::<RequestIpAddress>::new();
    let error = action_error(action);
    view! {
        <Title text=format!("{} · Trygg", texts.ip_new_title) />
        <h1>{texts.ip_new_title}</h1>
        <p>{texts.ip_new_intro}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let b = match booking.await {
                    Ok(b) => b,
                    Err(error) => return page_error(&error, texts),
                };
                let facts = view! {
                    <dl class="facts">
                        <dt>{texts.ip_booking_starts}</dt>
                        <dd data-testid="booking-starts">{b.starts.clone()}</dd>
                        <dt>{texts.ip_booked_at}</dt>
                        <dd>{b.booked.clone()}</dd>
                    </dl>
                };
                let form = if let Some(open) = b.open_request {
                    view! {
                        <p class="notice">
                            {texts.ip_open_request_exists} " "
                            <a href=format!("/ip-requests/{open}")>{texts.ip_view_request}</a>
                        </p>
                    }
                        .into_any()
                } else if b.at_limit {
                    view! {
                        <p class="notice">{texts.ip_at_limit} " " <a href="/ip-requests">{texts.ip_all_requests}</a></p>
                    }
                        .into_any()
                } else {
                    view! {
                        <ActionForm action attr:class="stack" attr:novalidate=true>
                            <FormMessage error />
                            <input type="hidden" name="appointment_id" value=b.appointment_id.to_string() />
                            <Field
                                name="client_reference"
                                label=texts.ip_client_reference
                                hint=texts.ip_client_reference_hint
                                value=b.client_name.clone()
                                error
                            />
                            <TextArea
                                name="reason"
                                label=texts.ip_reason_label
                                hint=texts.ip_reason_hint
                                rows=6
                                error
                            />
                            <Submit action label=texts.ip_send />
                        </ActionForm>
                    }
                        .into_any()
                };
                view! {
                    <section class="panel stack">{facts} {form}</section>
                    <p>
                        <a href=format!("/clients/{}", b.client_id)>{texts.appointment_client_profile}</a>
                    </p>
                }
                    .into_any()
            })}
        </Suspense>
    }
}

/// `/ip-requests/:id`: the request, its status and decision; once approved, the release step.
#[component]
pub fn IpRequestPage() -> impl IntoView {
    let texts = t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<IpRequestId>().ok()));
    let request = Resource::new_blocking(id, |id| async move {
        match id {
            Some(id) => get_ip_request(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text=format!("{} · Trygg", texts.ip_requests_title) />
        <p>
            <a href="/ip-requests">{texts.ip_all_requests}</a>
        </p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match request.await {
                    Ok(r) => view! { <RequestView r /> }.into_any(),
                    Err(error) => page_error(&error, texts),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RequestView(r: IpRequestView) -> impl IntoView {
    let texts = t();
    let explanation = match r.status {
        IpRequestStatus::Sent | IpRequestStatus::InReview => Some(texts.ip_sent_body),
        IpRequestStatus::Refused => Some(texts.ip_refused_body),
        IpRequestStatus::Expired => Some(texts.ip_expired_body),
        _ => None,
    };
    let decision = r.decision.clone().map(|d| {
        view! {
            <section class="panel">
                <h2>{texts.ip_decision}</h2>
                <dl class="facts">
                    <dt>{texts.ip_decided}</dt>
                    <dd>{d.decided}</dd>
                    <dt>{texts.ip_decided_by}</dt>
                    <dd>{d.by}</dd>
                    <dt>{texts.ip_case_reference}</dt>
                    <dd data-testid="case-reference">{d.case_reference}</dd>
                    <dt>{texts.ip_case_date}</dt>
                    <dd>{d.case_date}</dd>
                    {(!d.note.is_empty())
                        .then(|| {
                            view! {
                                <dt>{texts.ip_note}</dt>
                                <dd class="notes">{d.note}</dd>
                            }
                        })}
                </dl>
            </section>
        }
    });
    let released = r.released.clone().map(|(who, when)| {
        view! { <p class="notice">{texts.ip_released_notice.replace("{who}", &who).replace("{when}", &when)}</p> }
    });
    let approved = r.status == IpRequestStatus::Approved;
    view! {
        <h1>{texts.ip_request_title.replace("{n}", &r.id.to_string())}</h1>
        <section class="panel">
            <p class="status-line">{status_badge(r.status, texts)}</p>
            {explanation.map(|text| view! { <p>{text}</p> })}
            <dl class="facts">
                <dt>{texts.ip_client_reference}</dt>
                <dd>
                    <a href=format!("/clients/{}", r.client_id)>{r.client_reference.clone()}</a>
                </dd>
                <dt>{texts.ip_booking_starts}</dt>
                <dd>{r.booking_starts.clone()}</dd>
                <dt>{texts.ip_requested}</dt>
                <dd>{format!("{} · {}", r.requested, r.requested_by)}</dd>
                {r
                    .open_until
                    .clone()
                    .map(|until| {
                        view! {
                            <dt>{texts.ip_open_until}</dt>
                            <dd>{until}</dd>
                        }
                    })}
                <dt>{texts.ip_reason}</dt>
                <dd class="notes">{r.reason.clone()}</dd>
            </dl>
            {released}
        </section>
        {decision}
        {approved.then(|| view! { <Release id=r.id /> })}
    }
}

/// The release step: the password, then the address shown here once with the statement.
#[component]
fn Release(id: IpRequestId) -> impl IntoView {
    let texts = t();
    let action = ServerAction::<ReleaseIpAddress>::new();
    let error = action_error(action);
    let shown = Memo::new(move |_| action.value().get().and_then(Result::ok));
    // The address is shown once, on this page: a form sent without JavaScript would spend the
    // release on a page that cannot show it, so the button waits for the page to be live.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    view! {
        <section class="panel" aria-live="polite">
            <h2>{texts.ip_release_title}</h2>
            {move || match shown.get() {
                Some(released) => view! { <Shown released /> }.into_any(),
                None => {
                    view! {
                        <p>{texts.ip_release_intro}</p>
                        <noscript>
                            <p class="notice">{texts.ip_needs_js}</p>
                        </noscript>
                        <ActionForm action attr:class="stack" attr:novalidate=true>
                            <FormMessage error />
                            <input type="hidden" name="id" value=id.to_string() />
                            <Field
                                name="password"
                                label=texts.password
                                kind="password"
                                autocomplete="current-password"
                                error
                            />
                            <button
                                type="submit"
                                class="primary"
                                disabled=move || !live.get() || action.pending().get()
                            >
                                {texts.ip_release_button}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Shown(released: ReleasedAddress) -> impl IntoView {
    let texts = t();
    let href = format!("data:application/pdf;base64,{}", released.statement_base64);
    view! {
        <dl class="facts released">
            <dt>{texts.ip_address}</dt>
            <dd data-testid="released-ip">{released.ip}</dd>
            <dt>{texts.ip_user_agent}</dt>
            <dd data-testid="released-agent">{released.user_agent}</dd>
            <dt>{texts.ip_device}</dt>
            <dd>{released.device.describe(texts)}</dd>
            <dt>{texts.ip_booked_at}</dt>
            <dd>{released.booked}</dd>
            <dt>{texts.ip_booking_starts}</dt>
            <dd>{released.booking_starts}</dd>
        </dl>
        <p>
            <a class="button primary" href=href download=released.statement_name>
                {texts.ip_download_statement}
            </a>
        </p>
        <p class="hint">{texts.ip_shown_once}</p>
    }
}

/// The client's online bookings, each with a way to request its address (on the client page).
#[component]
pub fn OnlineBookings(client_id: ClientId) -> impl IntoView {
    let texts = t();
    let bookings = Resource::new_blocking(move || client_id, get_online_bookings);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match bookings.await {
                    Ok(list) if list.is_empty() => ().into_any(),
                    Ok(list) => {
                        view! {
                            <section class="panel" id="online-bookings">
                                <h2>{texts.ip_online_bookings}</h2>
                                <p class="hint">{texts.ip_online_bookings_intro}</p>
                                <ul class="requests">
                                    {list
                                        .into_iter()
                                        .map(|b| {
                                            let action = match b.latest {
                                                Some((id, status)) if status.is_open() => {
                                                    view! {
                                                        {status_badge(status, texts)}
                                                        <a href=format!("/ip-requests/{id}")>{texts.ip_view_request}</a>
                                                    }
                                                        .into_any()
                                                }
                                                _ => {
                                                    view! {
                                                        <a href=format!(
                                                            "/ip-requests/new?appointment={}",
                                                            b.appointment_id,
                                                        )>{texts.ip_request_link}</a>
                                                    }
                                                        .into_any()
                                                }
                                            };
                                            view! {
                                                <li class="request">
                                                    <span>{b.starts}</span>
                                                    <span class="when">{texts.ip_booked_at} " " {b.booked}</span>
                                                    {action}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                            .into_any()
                    }
                    Err(_) => ().into_any(),
                }
            })}
        </Suspense>
    }
}
