//! Consent: declarations the practitioner keeps (Settings → Consent declarations), requests sent
//! from the client profile, and (link.rs) the page the client opens from the email, phone first
//! and signable without JavaScript.

pub mod api;
#[cfg(feature = "ssr")]
pub mod copy;
mod link;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

#[cfg(feature = "ssr")]
pub use copy::routes;
pub use link::ConsentLinkPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{Field, FormMessage, Submit, TextArea, action_error, field_problem};
use crate::dates;
use crate::error::AppError;
use crate::i18n::{Lang, t, use_lang};
use crate::ids::ClientId;
use api::{
    AskAgain, RemindConsent, RevokeConsent, SaveTemplate, SendConsent, consent_declarations, consent_requests,
    consent_templates,
};
use types::{ConsentStatus, RequestView, Template};

/// The status as an icon with its word beside it.
#[component]
pub fn StatusIcon(status: ConsentStatus) -> impl IntoView {
    view! {
        <span class=status.class()>
            <span class="icon" aria-hidden="true"></span>
            {status.label(t())}
        </span>
    }
}

/// `/settings/consent`: the declarations, each editable (an edit makes a new version), and a
/// new one.
#[component]
pub fn ConsentSettingsPage() -> impl IntoView {
    let texts = t();
    let ask = ServerAction::<AskAgain>::new();
    let templates = Resource::new_blocking(move || ask.version().get(), |_| consent_declarations());
    let saved = use_query_map().with_untracked(|q| q.get("saved").is_some());
    view! {
        <Title text=format!("{} · Trygg", texts.consent_settings) />
        <h1>{texts.consent_settings}</h1>
        <p class="hint">{texts.consent_settings_intro}</p>
        {saved
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        {texts.consent_template_saved}
                    </p>
                }
            })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match templates.await {
                    Ok(list) => {
                        list.into_iter()
                            .map(|(template, outdated)| {
                                let id = template.id.to_string();
                                view! {
                                    <TemplateEditor template=Some(template) />
                                    {(outdated > 0)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=ask attr:class="ask-again panel">
                                                    <input type="hidden" name="template_id" value=id />
                                                    <p>
                                                        {texts.consent_outdated.replace("{n}", &outdated.to_string())}
                                                    </p>
                                                    <button type="submit" class="secondary">
                                                        {texts.consent_ask_again}
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                }
                            })
                            .collect_view()
                            .into_any()
                    }
                    Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                }
            })}
        </Suspense>
        <details class="panel">
            <summary>{texts.consent_template_new}</summary>
            <TemplateEditor template=None />
        </details>
    }
}

#[component]
fn TemplateEditor(template: Option<Template>) -> impl IntoView {
    let texts = t();
    let save = ServerAction::<SaveTemplate>::new();
    let error = action_error(save);
    let heading =
        template.as_ref().map(|t| (t.title.clone(), texts.journal_version.replace("{n}", &t.version.to_string())));
    // A new declaration, or one from before declarations had a language, starts in the
    // practitioner's own.
    let lang = template.as_ref().and_then(|t| t.lang).unwrap_or_else(use_lang);
    let (id, title, body) = match template {
        Some(t) => (Some(t.id.to_string()), t.title, t.body),
        None => (None, String::new(), String::new()),
    };
    let lang_id = format!("lang-{}", id.as_deref().unwrap_or("new"));
    view! {
        <section class="panel template">
            {heading
                .map(|(title, version)| {
                    view! {
                        <h2>{title}</h2>
                        <p class="meta">{version}</p>
                    }
                })} <ActionForm action=save attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                <Field label=texts.consent_template_title name="title" error value=title />
                <TextArea label=texts.consent_template_body name="body" error value=body rows=10 />
                <LanguageChoice id=lang_id current=lang error />
                <Submit action=save label=texts.consent_template_save />
            </ActionForm>
        </section>
    }
}

/// The language a declaration is written in: its link page, signed copy and mails speak it.
#[component]
fn LanguageChoice(id: String, current: Lang, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let texts = t();
    let (problem, changed) = field_problem(error, "lang");
    let (hint, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    view! {
        <div class="field" class:invalid=move || problem.get().is_some()>
            <label for=id.clone()>{texts.consent_template_lang}</label>
            <select id=id name="lang" aria-describedby=format!("{hint} {error_id}") on:change=changed>
                {[(Lang::Nb, texts.lang_nb), (Lang::En, texts.lang_en)]
                    .map(|(lang, label)| {
                        view! {
                            <option value=lang.code() selected=lang == current>
                                {label}
                            </option>
                        }
                    })}
            </select>
            <p class="hint" id=hint>
                {texts.consent_template_lang_hint}
            </p>
            <p class="field-error" id=error_id>
                {move || problem.get().map(|p| p.message(texts))}
            </p>
        </div>
    }
}

/// The consent part of a client page: made once per page (see `JournalState`).
#[derive(Clone, Copy)]
pub struct ConsentState {
    send: ServerAction<SendConsent>,
    revoke: ServerAction<RevokeConsent>,
    remind: ServerAction<RemindConsent>,
    requests: Resource<Result<Vec<RequestView>, AppError>>,
    templates: Resource<Result<Vec<Template>, AppError>>,
}

impl ConsentState {
    pub fn new(client_id: impl Fn() -> Option<ClientId> + Send + Sync + Copy + 'static) -> Self {
        let send = ServerAction::<SendConsent>::new();
        let revoke = ServerAction::<RevokeConsent>::new();
        let remind = ServerAction::<RemindConsent>::new();
        let requests = Resource::new(
            move || (client_id(), send.version().get(), revoke.version().get(), remind.version().get()),
            |(id, ..)| async move {
                match id {
                    Some(id) => consent_requests(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        let templates = Resource::new(|| (), |_| consent_templates());
        Self { send, revoke, remind, requests, templates }
    }
}

#[component]
pub fn ConsentSection(client_id: ClientId, has_email: bool, state: ConsentState) -> impl IntoView {
    let texts = t();
    let ConsentState { send, revoke, remind, requests, templates } = state;
    let error = action_error(send);
    let sent = move || matches!(send.value().get(), Some(Ok(())));
    view! {
        <section class="panel consent" id="consent" aria-labelledby="consent-title">
            <h2 id="consent-title">{texts.consent_title}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match requests.await {
                        Ok(list) => {
                            let status = list.first().map_or(ConsentStatus::NotAsked, |r| r.status);
                            view! {
                                <p class="consent-now">
                                    <StatusIcon status />
                                </p>
                                {(!list.is_empty())
                                    .then(|| {
                                        view! {
                                            <ol class="consent-requests">
                                                {list
                                                    .into_iter()
                                                    .map(|request| {
                                                        view! { <RequestItem client_id request revoke remind /> }
                                                    })
                                                    .collect_view()}
                                            </ol>
                                        }
                                    })}
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {if has_email {
                view! {
                    <ActionForm action=send attr:class="send-consent">
                        <FormMessage error />
                        <input type="hidden" name="client_id" value=client_id.to_string() />
                        <div class="field">
                            <label for="template_id">{texts.consent_declaration}</label>
                            <select id="template_id" name="template_id">
                                <Suspense fallback=|| ()>
                                    {move || Suspend::new(async move {
                                        templates
                                            .await
                                            .unwrap_or_default()
                                            .into_iter()
                                            .map(|t| view! { <option value=t.id.to_string()>{t.title}</option> })
                                            .collect_view()
                                    })}
                                </Suspense>
                            </select>
                        </div>
                        {move || {
                            sent()
                                .then(|| {
                                    view! {
                                        <p class="notice" role="status">
                                            {texts.consent_sent}
                                        </p>
                                    }
                                })
                        }}
                        <Submit action=send label=texts.consent_send />
                    </ActionForm>
                }
                    .into_any()
            } else {
                view! { <p class="hint">{texts.consent_needs_email}</p> }.into_any()
            }}
        </section>
    }
}

#[component]
fn RequestItem(
    client_id: ClientId,
    request: RequestView,
    revoke: ServerAction<RevokeConsent>,
    remind: ServerAction<RemindConsent>,
) -> impl IntoView {
    let texts = t();
    let lang = use_lang();
    let open = request.status.is_open();
    view! {
        <li>
            <div class="request-text">
                <StatusIcon status=request.status />
                <span class="what">
                    {request.title} " · " {texts.journal_version.replace("{n}", &request.version.to_string())}
                </span>
                <span class="meta">
                    {texts.consent_sent_at} " " {dates::moment(lang, &request.sent)}
                    {request
                        .decided
                        .map(|at| {
                            view! {
                                " · "
                                {texts.consent_answered_at}
                                " "
                                {dates::moment(lang, &at)}
                            }
                        })}
                </span>
            </div>
            // One row of actions, the same height, on the right beside the text where there is room.
            <div class="request-actions">
                {(!open && request.status != ConsentStatus::Expired)
                    .then(|| {
                        view! {
                            <a
                                class="button secondary"
                                href=format!("/clients/{client_id}/consent/{}/copy.pdf", request.id)
                                download=""
                            >
                                {texts.consent_copy_download}
                            </a>
                        }
                    })}
                {open
                    .then(|| {
                        view! {
                            <ActionForm action=remind>
                                <input type="hidden" name="client_id" value=client_id.to_string() />
                                <input type="hidden" name="id" value=request.id.to_string() />
                                <button type="submit" class="secondary">
                                    {texts.consent_remind}
                                </button>
                            </ActionForm>
                            <ActionForm action=revoke>
                                <input type="hidden" name="client_id" value=client_id.to_string() />
                                <input type="hidden" name="id" value=request.id.to_string() />
                                <button type="submit" class="secondary">
                                    {texts.consent_revoke}
                                </button>
                            </ActionForm>
                        }
                    })}
            </div>
        </li>
    }
}
