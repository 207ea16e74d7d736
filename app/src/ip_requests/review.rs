//! Support's side (`/support/ip-requests`): the queue of requests and the decision, recorded with
//! the data protection authority's case reference. Support never sees the address here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{DecideIpRequest, support_ip_queue, support_ip_request};
use super::status_badge;
use super::types::{IpRequestStatus, SupportIpDetail};
use crate::components::forms::{Field, FormMessage, TextArea, action_error, page_error};
use crate::error::AppError;
use crate::i18n::t;
use crate::ids::IpRequestId;
use crate::times::ago;

#[component]
pub fn SupportIpQueuePage() -> impl IntoView {
    let texts = t();
    let queue = Resource::new_blocking(|| (), |_| support_ip_queue());
    view! {
        <Title text=format!("{} · Trygg", texts.support_ip_queue) />
        <h1>{texts.support_ip_queue}</h1>
        <p class="hint">{texts.support_ip_queue_intro}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">{texts.support_ip_queue_empty}</p> }.into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="requests">
                                {list
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <li class="request">
                                                <a href=format!("/support/ip-requests/{}", r.id)>
                                                    <strong>{r.client_reference}</strong>
                                                    " · "
                                                    {r.booking_starts}
                                                </a>
                                                <span class="practice">{r.practice_name}</span>
                                                {status_badge(r.status, texts)}
                                                <span class="when">{ago(r.submitted_secs_ago, texts)}</span>
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

#[component]
pub fn SupportIpRequestPage() -> impl IntoView {
    let texts = t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<IpRequestId>().ok()));
    let decide = ServerAction::<DecideIpRequest>::new();
    let detail = Resource::new_blocking(
        move || (id(), decide.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => support_ip_request(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text=format!("{} · Trygg", texts.support_ip_request) />
        <p>
            <a href="/support/ip-requests">{texts.support_back}</a>
        </p>
        <h1>{texts.support_ip_request}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <Detail detail decide /> }.into_any(),
                    Err(error) => page_error(&error, texts),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(detail: SupportIpDetail, decide: ServerAction<DecideIpRequest>) -> impl IntoView {
    let texts = t();
    let error = action_error(decide);
    let line = detail.line;
    let undecided = matches!(line.status, IpRequestStatus::Sent | IpRequestStatus::InReview);
    let decision = detail.decision.map(|d| {
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
                    <dt>{texts.ip_note}</dt>
                    <dd class="notes">{d.note}</dd>
                </dl>
            </section>
        }
    });
    let form = undecided.then(|| {
        let (requested_on, today) = (detail.requested_on.clone(), detail.today.clone());
        view! {
            <section class="panel">
                <h2>{texts.support_ip_decide}</h2>
                <ActionForm action=decide attr:class="stack" attr:novalidate=true>
                    <FormMessage error />
                    <input type="hidden" name="id" value=line.id.to_string() />
                    <Field
                        name="case_reference"
                        label=texts.ip_case_reference
                        hint=texts.ip_case_reference_hint
                        error
                    />
                    <div class="field">
                        <label for="case_date">{texts.ip_case_date}</label>
                        <input
                            id="case_date"
                            name="case_date"
                            type="date"
                            min=requested_on
                            max=today
                            aria-describedby="case_date-hint case_date-error"
                        />
                        <p class="hint" id="case_date-hint">
                            {texts.ip_case_date_hint}
                        </p>
                        <p class="field-error" id="case_date-error">
                            {move || error.get().and_then(|e| e.for_field("case_date")).map(|p| p.message(texts))}
                        </p>
                    </div>
                    <TextArea name="note" label=texts.ip_note hint=texts.ip_note_hint rows=3 error />
                    <fieldset class="stack approval-proof">
                        <legend>{texts.support_ip_proof}</legend>
                        <Field
                            name="password"
                            label=texts.password
                            kind="password"
                            autocomplete="current-password"
                            error
                        />
                        <Field
                            name="code"
                            label=texts.code_label
                            inputmode="numeric"
                            autocomplete="one-time-code"
                            error
                        />
                    </fieldset>
                    <div class="row">
                        <button type="submit" name="decision" value="approve" class="primary">
                            {texts.ip_approve}
                        </button>
                        <button type="submit" name="decision" value="refuse" class="danger">
                            {texts.ip_refuse}
                        </button>
                    </div>
                </ActionForm>
            </section>
        }
    });
    view! {
        <section class="panel">
            <p class="status-line">
                {status_badge(line.status, texts)} " " {texts.lost_submitted} " " {ago(line.submitted_secs_ago, texts)}
            </p>
            <dl class="facts">
                <dt>{texts.support_ip_practice}</dt>
                <dd>
                    {line.practice_name} {(!detail.org_number.is_empty()).then(|| format!(" · {}", detail.org_number))}
                </dd>
                <dt>{texts.ip_requested_by}</dt>
                <dd>{detail.requested_by}</dd>
                <dt>{texts.ip_client_reference}</dt>
                <dd data-testid="client-reference">{line.client_reference}</dd>
                <dt>{texts.ip_booking_starts}</dt>
                <dd>{line.booking_starts}</dd>
                <dt>{texts.ip_booked_at}</dt>
                <dd>{detail.booked}</dd>
                <dt>{texts.ip_reason}</dt>
                <dd class="notes" data-testid="reason">
                    {detail.reason}
                </dd>
            </dl>
        </section>
        {decision}
        {form}
    }
}
