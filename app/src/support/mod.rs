//! "Lost access to my authenticator": the request form and its status page, and the support
//! area (`/support`) where staff review requests. Support sees requests and their evidence,
//! never a practice's clients, journals or messages.

pub mod api;
#[cfg(feature = "ssr")]
pub mod files;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

#[cfg(feature = "ssr")]
pub use files::routes;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::forms::{Field, FormMessage, action_error, page_error};
use crate::components::layout::PublicFrame;
use crate::error::{AppError, Problem};
use crate::i18n::{Texts, t};
use crate::shell::Shell;
use crate::times::ago;
use api::{DecideRequest, lost_2fa_status, support_audit, support_queue, support_request};
use types::{BILL, EvidenceLink, MAX_FILE_BYTES, PHOTO_ID, RequestDetail, RequestStatus, evidence_label};

/// What the form's `?error=field.code,...` says about one field.
fn upload_problem(errors: &str, field: &str) -> Option<Problem> {
    errors.split(',').filter_map(|item| item.split_once('.')).find(|(f, _)| *f == field).map(|(_, code)| match code {
        "too_large" => Problem::FileTooLarge { max_mb: MAX_FILE_BYTES / (1024 * 1024) },
        "type" if field == PHOTO_ID => Problem::FileNotImage,
        "type" => Problem::FileNotImageOrPdf,
        "digits" => Problem::CardDigits,
        "pending" => Problem::RequestPending,
        "missing" if field == PHOTO_ID || field == BILL => Problem::FileMissing,
        _ => Problem::Required,
    })
}

/// `/login/lost-2fa`: the evidence the seed lists, as a plain multipart form (works the same
/// with or without JavaScript). Reachable only after the right password: the server checks the
/// login challenge.
#[component]
pub fn LostTwoFactorPage() -> impl IntoView {
    let texts = t();
    let errors = use_query_map().with_untracked(|q| q.get("error").unwrap_or_default());
    let problem = |field: &str| upload_problem(&errors, field);
    let form_problem = problem("form").map(|p| match p {
        Problem::FileTooLarge { .. } => texts.err_form_too_large.to_string(),
        other => other.message(texts),
    });
    let file_field = |name: &'static str, label: &'static str, hint: &'static str, accept: &'static str| {
        let problem = upload_problem(&errors, name);
        let error_id = format!("{name}-error");
        let hint_id = format!("{name}-hint");
        view! {
            <div class="field" class:invalid=problem.is_some()>
                <label for=name>{label}</label>
                <input
                    id=name
                    name=name
                    type="file"
                    accept=accept
                    aria-invalid=if problem.is_some() { "true" } else { "false" }
                    aria-describedby=format!("{hint_id} {error_id}")
                />
                <p class="hint" id=hint_id>
                    {hint}
                </p>
                <p class="field-error" id=error_id>
                    {problem.map(|p| p.message(texts))}
                </p>
            </div>
        }
    };
    let card_problem = problem("card_last4");
    let photo_field = file_field(PHOTO_ID, texts.lost_photo_label, texts.lost_photo_hint, "image/*");
    let bill_field = file_field(BILL, texts.lost_bill_label, texts.lost_bill_hint, "image/*,application/pdf");
    view! {
        <PublicFrame title=texts.lost_title>
            <p>{texts.lost_intro}</p>
            <form method="post" action="/api/lost_2fa" enctype="multipart/form-data" class="stack">
                <div class="form-message" role="alert">
                    {form_problem.map(|text| view! { <p class="error">{text}</p> })}
                </div>
                {photo_field}
                {bill_field}
                <div class="field" class:invalid=card_problem.is_some()>
                    <label for="card_last4">{texts.lost_card_label}</label>
                    <input
                        id="card_last4"
                        name="card_last4"
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        maxlength="4"
                        aria-invalid=if card_problem.is_some() { "true" } else { "false" }
                        aria-describedby="card_last4-hint card_last4-error"
                    />
                    <p class="hint" id="card_last4-hint">
                        {texts.lost_card_hint}
                    </p>
                    <p class="field-error" id="card_last4-error">
                        {card_problem.map(|p| p.message(texts))}
                    </p>
                </div>
                <p class="hint">{texts.lost_privacy}</p>
                <button type="submit" class="primary">
                    {texts.lost_submit}
                </button>
            </form>
            <p class="alt">
                <a href="/login/code">{texts.lost_back}</a>
            </p>
        </PublicFrame>
    }
}

/// `/login/lost-2fa/status?token=…`: where the requester follows their request.
#[component]
pub fn LostTwoFactorStatusPage() -> impl IntoView {
    let texts = t();
    let token = use_query_map().with_untracked(|q| q.get("token").unwrap_or_default());
    let status = Resource::new_blocking(move || token.clone(), |token| lost_2fa_status(token.into()));
    view! {
        <PublicFrame title=texts.lost_status_title>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(view) => {
                            view! {
                                <p class="status-line">
                                    <span
                                        class=format!("badge status-{}", view.status.code())
                                        data-testid="request-status"
                                    >
                                        {view.status.label(texts)}
                                    </span>
                                    " "
                                    {texts.lost_submitted}
                                    " "
                                    {ago(view.submitted_secs_ago, texts)}
                                </p>
                                <p>{status_explanation(view.status, texts)}</p>
                                {view
                                    .reason
                                    .filter(|_| view.status == RequestStatus::Rejected)
                                    .map(|reason| {
                                        view! {
                                            <p>
                                                <strong>{texts.lost_reason}</strong>
                                                " "
                                                {reason}
                                            </p>
                                        }
                                    })}
                            }
                                .into_any()
                        }
                        Err(error) => page_error(&error, texts),
                    }
                })}
            </Suspense>
            <p class="alt">
                <a href="/login">{texts.login_link}</a>
            </p>
        </PublicFrame>
    }
}

fn status_explanation(status: RequestStatus, t: &Texts) -> &'static str {
    match status {
        RequestStatus::Pending => t.lost_pending_body,
        RequestStatus::Approved => t.lost_approved_body,
        RequestStatus::Rejected => t.lost_rejected_body,
        RequestStatus::Cancelled => t.lost_cancelled_body,
    }
}

/// The support area's frame: its own menu, nothing of the practice app.
#[component]
pub fn SupportShell() -> impl IntoView {
    let texts = t();
    view! {
        <Shell home="/support">
            <A href="/support" exact=true>
                {texts.support_queue}
            </A>
            <A href="/support/ip-requests">{texts.support_ip_queue}</A>
            <A href="/support/audit">{texts.support_audit}</A>
        </Shell>
    }
}

#[component]
pub fn SupportQueuePage() -> impl IntoView {
    let texts = t();
    let queue = Resource::new_blocking(|| (), |_| support_queue());
    view! {
        <Title text=format!("{} · Trygg", texts.support_queue) />
        <h1>{texts.support_queue}</h1>
        <p class="hint">{texts.support_queue_intro}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{texts.support_queue_empty}</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <ul class="requests">
                                {list
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <li class="request">
                                                <a href=format!("/support/requests/{}", r.id)>
                                                    <strong>{r.name}</strong>
                                                    " · "
                                                    {r.email}
                                                </a>
                                                <span class="practice">{r.practice_name}</span>
                                                <span class=format!(
                                                    "badge status-{}",
                                                    r.status.code(),
                                                )>{r.status.label(texts)}</span>
                                                <span class="when">{ago(r.submitted_secs_ago, texts)}</span>
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
    }
}

#[component]
pub fn SupportRequestPage() -> impl IntoView {
    let texts = t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let decide = ServerAction::<DecideRequest>::new();
    let detail = Resource::new_blocking(
        move || (id(), decide.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => support_request(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text=format!("{} · Trygg", texts.support_request) />
        <p>
            <a href="/support">{texts.support_back}</a>
        </p>
        <h1>{texts.support_request}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <RequestView detail decide /> }.into_any(),
                    Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RequestView(detail: RequestDetail, decide: ServerAction<DecideRequest>) -> impl IntoView {
    let texts = t();
    let error = action_error(decide);
    let reason_problem = Memo::new(move |_| error.get().and_then(|e| e.for_field("reason")));
    let summary = detail.summary;
    let id = summary.id.to_string();
    let pending = summary.status == RequestStatus::Pending;
    view! {
        <section class="panel">
            <p class="status-line">
                <span class=format!("badge status-{}", summary.status.code()) data-testid="request-status">
                    {summary.status.label(texts)}
                </span>
                " "
                {texts.lost_submitted}
                " "
                {ago(summary.submitted_secs_ago, texts)}
            </p>
            <dl class="facts">
                <dt>{texts.support_account_holder}</dt>
                <dd>{summary.name}</dd>
                <dt>{texts.email}</dt>
                <dd>{summary.email}</dd>
                <dt>{texts.practice_name}</dt>
                <dd>{summary.practice_name}</dd>
                <dt>{texts.support_from}</dt>
                <dd>{format!("{} · {}", detail.device.describe(texts), detail.ip)}</dd>
                <dt>{texts.support_card}</dt>
                <dd data-testid="card-last4">
                    {detail.card_last4.unwrap_or_else(|| texts.support_deleted.to_string())}
                </dd>
                {detail
                    .decided_by
                    .map(|by| {
                        view! {
                            <dt>{texts.support_decided_by}</dt>
                            <dd>{by}</dd>
                        }
                    })}
                {detail
                    .reason
                    .filter(|r| !r.is_empty())
                    .map(|r| {
                        view! {
                            <dt>{texts.lost_reason}</dt>
                            <dd>{r}</dd>
                        }
                    })}
            </dl>
        </section>
        <section class="panel">
            <h2>{texts.support_evidence}</h2>
            {if detail.evidence.is_empty() {
                view! { <p class="empty">{texts.support_evidence_deleted}</p> }.into_any()
            } else {
                view! {
                    <p class="hint">{texts.support_evidence_intro}</p>
                    <ul class="evidence">
                        {detail.evidence.into_iter().map(|item| view! { <EvidenceItem item /> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        {pending
            .then(|| {
                view! {
                    <section class="panel">
                        <h2>{texts.support_decide}</h2>
                        <ActionForm action=decide attr:class="stack" attr:novalidate=true>
                            <FormMessage error />
                            <input type="hidden" name="id" value=id />
                            <div class="field" class:invalid=move || reason_problem.get().is_some()>
                                <label for="reason">{texts.support_reason_label}</label>
                                <textarea
                                    id="reason"
                                    name="reason"
                                    rows="3"
                                    aria-describedby="reason-hint reason-error"
                                ></textarea>
                                <p class="hint" id="reason-hint">
                                    {texts.support_reason_hint}
                                </p>
                                <p class="field-error" id="reason-error">
                                    {move || reason_problem.get().map(|p| p.message(texts))}
                                </p>
                            </div>
                            <fieldset class="stack approval-proof">
                                <legend>{texts.support_approval_proof}</legend>
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
                                    {texts.support_approve}
                                </button>
                                <button type="submit" name="decision" value="reject" class="danger">
                                    {texts.support_reject}
                                </button>
                            </div>
                        </ActionForm>
                    </section>
                }
            })}
    }
}

/// One piece of evidence: opened in a tab of its own (which records the opening), marked once
/// this reviewer has opened it.
#[component]
fn EvidenceItem(item: EvidenceLink) -> impl IntoView {
    let texts = t();
    let opened = RwSignal::new(item.viewed);
    let label = evidence_label(&item.kind, texts);
    view! {
        <li>
            <h3>{label}</h3>
            <p>
                <a href=item.url target="_blank" rel="noopener" on:click=move |_| opened.set(true)>
                    {texts.support_open_file}
                </a>
                " "
                <span
                    class="badge"
                    class:status-approved=move || opened.get()
                    data-testid=format!("opened-{}", item.kind)
                >
                    {move || {
                        if opened.get() { texts.support_evidence_opened } else { texts.support_evidence_not_opened }
                    }}
                </span>
            </p>
        </li>
    }
}

#[component]
pub fn SupportAuditPage() -> impl IntoView {
    let texts = t();
    let log = Resource::new_blocking(|| (), |_| support_audit());
    view! {
        <Title text=format!("{} · Trygg", texts.support_audit) />
        <h1>{texts.support_audit}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(entries) => {
                        view! {
                            <table class="audit">
                                <thead>
                                    <tr>
                                        <th>{texts.audit_when}</th>
                                        <th>{texts.audit_who}</th>
                                        <th>{texts.audit_what}</th>
                                        <th>{texts.audit_account}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {entries
                                        .into_iter()
                                        .map(|e| {
                                            view! {
                                                <tr>
                                                    <td>{ago(e.secs_ago, texts)}</td>
                                                    <td>{e.actor}</td>
                                                    <td>
                                                        {e.action.map_or("—", |action| action.label(texts))}
                                                        {e
                                                            .request_id
                                                            .map(|id| {
                                                                let url = e
                                                                    .action
                                                                    .map_or_else(
                                                                        || format!("/support/requests/{id}"),
                                                                        |action| action.request_url(id),
                                                                    );
                                                                view! {
                                                                    " · "
                                                                    <a href=url>
                                                                        {texts.support_request_n.replace("{n}", &id.to_string())}
                                                                    </a>
                                                                }
                                                            })}
                                                    </td>
                                                    <td>{e.account.unwrap_or_default()}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
