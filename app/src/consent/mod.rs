//! Consent: declarations the practitioner keeps (Settings → Consent declarations), requests sent
//! from the client profile, and the page the client opens from the email, phone first and
//! signable without JavaScript.

pub mod api;
#[cfg(feature = "ssr")]
pub mod copy;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{Field, FormMessage, Submit, TextArea, action_error};
use crate::error::AppError;
use crate::i18n::t;
use api::{
    AskAgain, DeclineConsent, RemindConsent, RevokeConsent, SaveTemplate, SendConsent, SignConsent, WithdrawConsent,
    consent_declarations, consent_requests, consent_templates, get_consent_page,
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
        <Title text=format!("{} · Trygg", texts.consent_settings)/>
        <h1>{texts.consent_settings}</h1>
        <p class="hint">{texts.consent_settings_intro}</p>
        {saved.then(|| view! { <p class="notice" role="status">{texts.consent_template_saved}</p> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match templates.await {
                    Ok(list) => list.into_iter().map(|(template, outdated)| {
                        let id = template.id.to_string();
                        view! {
                            <TemplateEditor template=Some(template)/>
                            {(outdated > 0).then(|| view! {
                                <ActionForm action=ask attr:class="ask-again panel">
                                    <input type="hidden" name="template_id" value=id/>
                                    <p>{texts.consent_outdated.replace("{n}", &outdated.to_string())}</p>
                                    <button type="submit" class="secondary">{texts.consent_ask_again}</button>
                                </ActionForm>
                            })}
                        }
                    }).collect_view().into_any(),
                    Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                }
            })}
        </Suspense>
        <details class="panel">
            <summary>{texts.consent_template_new}</summary>
            <TemplateEditor template=None/>
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
    let (id, title, body) = match template {
        Some(t) => (Some(t.id.to_string()), t.title, t.body),
        None => (None, String::new(), String::new()),
    };
    view! {
        <section class="panel template">
            {heading.map(|(title, version)| view! { <h2>{title}</h2><p class="meta">{version}</p> })}
            <ActionForm action=save attr:class="stack" attr:novalidate=true>
                <FormMessage error/>
                {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
                <Field label=texts.consent_template_title name="title" error value=title/>
                <TextArea label=texts.consent_template_body name="body" error value=body rows=10/>
                <Submit action=save label=texts.consent_template_save/>
            </ActionForm>
        </section>
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
    pub fn new(client_id: impl Fn() -> Option<i64> + Send + Sync + Copy + 'static) -> Self {
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
pub fn ConsentSection(client_id: i64, has_email: bool, state: ConsentState) -> impl IntoView {
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
                                <p class="consent-now"><StatusIcon status/></p>
                                {(!list.is_empty()).then(|| view! {
                                    <ol class="consent-requests">
                                        {list.into_iter().map(|request| view! { <RequestItem client_id request revoke remind/> }).collect_view()}
                                    </ol>
                                })}
                            }.into_any()
                        }
                        Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {if has_email {
                view! {
                    <ActionForm action=send attr:class="send-consent">
                        <FormMessage error/>
                        <input type="hidden" name="client_id" value=client_id.to_string()/>
                        <div class="field">
                            <label for="template_id">{texts.consent_declaration}</label>
                            <select id="template_id" name="template_id">
                                <Suspense fallback=|| ()>
                                    {move || Suspend::new(async move {
                                        templates.await.unwrap_or_default().into_iter().map(|t| view! {
                                            <option value=t.id.to_string()>{t.title}</option>
                                        }).collect_view()
                                    })}
                                </Suspense>
                            </select>
                        </div>
                        {move || sent().then(|| view! { <p class="notice" role="status">{texts.consent_sent}</p> })}
                        <Submit action=send label=texts.consent_send/>
                    </ActionForm>
                }.into_any()
            } else {
                view! { <p class="hint">{texts.consent_needs_email}</p> }.into_any()
            }}
        </section>
    }
}

#[component]
fn RequestItem(
    client_id: i64,
    request: RequestView,
    revoke: ServerAction<RevokeConsent>,
    remind: ServerAction<RemindConsent>,
) -> impl IntoView {
    let texts = t();
    let open = request.status.is_open();
    view! {
        <li>
            <StatusIcon status=request.status/>
            <span class="what">{request.title} " · " {texts.journal_version.replace("{n}", &request.version.to_string())}</span>
            <span class="meta">
                {texts.consent_sent_at} " " {request.sent}
                {request.decided.map(|at| view! { " · " {texts.consent_answered_at} " " {at} })}
            </span>
            {(!open && request.status != ConsentStatus::Expired).then(|| view! {
                <a class="button secondary" href=format!("/clients/{client_id}/consent/{}/copy.pdf", request.id) download="">
                    {texts.consent_copy_download}
                </a>
            })}
            {open.then(|| view! {
                <ActionForm action=remind attr:class="inline">
                    <input type="hidden" name="client_id" value=client_id.to_string()/>
                    <input type="hidden" name="id" value=request.id.to_string()/>
                    <button type="submit" class="secondary">{texts.consent_remind}</button>
                </ActionForm>
                <ActionForm action=revoke attr:class="inline">
                    <input type="hidden" name="client_id" value=client_id.to_string()/>
                    <input type="hidden" name="id" value=request.id.to_string()/>
                    <button type="submit" class="secondary">{texts.consent_revoke}</button>
                </ActionForm>
            })}
        </li>
    }
}

/// `/consent?token=…`: what the client opens from the email. It works before, and without, any
/// WebAssembly: a plain form.
#[component]
pub fn ConsentLinkPage() -> impl IntoView {
    let texts = t();
    let token = use_query_map().with_untracked(|q| q.get("token").unwrap_or_default());
    let sign = ServerAction::<SignConsent>::new();
    let decline = ServerAction::<DeclineConsent>::new();
    let withdraw = ServerAction::<WithdrawConsent>::new();
    // Read again once an answer went through (a refused one keeps the form as filled in).
    let answered = RwSignal::new(0_u32);
    Effect::new(move |_| {
        // All three are read on every run, so that each stays tracked.
        let values = [sign.value().get(), decline.value().get(), withdraw.value().get()];
        if values.iter().any(|value| matches!(value, Some(Ok(())))) {
            answered.update(|count| *count += 1);
        }
    });
    let page = Resource::new_blocking(
        {
            let token = token.clone();
            move || (token.clone(), answered.get())
        },
        |(token, _)| get_consent_page(token),
    );
    let error = action_error(sign);
    let decline_error = action_error(decline);
    let withdraw_error = action_error(withdraw);
    view! {
        <Title text=format!("{} · Trygg", texts.consent_title)/>
        <main id="main" class="card public consent-page">
            <Suspense fallback=|| ()>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match page.await {
                            Ok(page) => {
                                let status = page.status;
                                let (sign_token, decline_token, withdraw_token) = (token.clone(), token.clone(), token.clone());
                                view! {
                                    <p class="practice">{page.practice}</p>
                                    <h1>{page.title}</h1>
                                    <div class="declaration">{page.body}</div>
                                    {if status.is_open() {
                                        view! {
                                            <ActionForm action=sign attr:class="stack" attr:novalidate=true>
                                                <FormMessage error/>
                                                <input type="hidden" name="token" value=sign_token/>
                                                <div class="field check">
                                                    <input id="agree" name="agree" type="checkbox" value="yes" aria-describedby="agree-error"/>
                                                    <label for="agree">{texts.consent_agree}</label>
                                                    <p class="field-error" id="agree-error">
                                                        {move || error.get().and_then(|e| e.for_field("agree")).map(|p| p.message(texts))}
                                                    </p>
                                                </div>
                                                <Field label=texts.consent_full_name name="name" autocomplete="name" error/>
                                                <Submit action=sign label=texts.consent_sign/>
                                            </ActionForm>
                                            <ActionForm action=decline attr:class="decline">
                                                <FormMessage error=decline_error/>
                                                <input type="hidden" name="token" value=decline_token/>
                                                <button type="submit" class="secondary">{texts.consent_decline}</button>
                                            </ActionForm>
                                        }.into_any()
                                    } else if status == ConsentStatus::Signed {
                                        view! {
                                            <p class="notice" role="status"><StatusIcon status/></p>
                                            <p class="hint">{texts.consent_withdraw_intro}</p>
                                            <ActionForm action=withdraw attr:class="decline">
                                                <FormMessage error=withdraw_error/>
                                                <input type="hidden" name="token" value=withdraw_token/>
                                                <button type="submit" class="danger">{texts.consent_withdraw}</button>
                                            </ActionForm>
                                        }.into_any()
                                    } else {
                                        view! { <p class="notice" role="status"><StatusIcon status/></p> }.into_any()
                                    }}
                                }.into_any()
                            }
                            Err(error) => view! {
                                <h1>{texts.consent_title}</h1>
                                <p class="error">{error.form_message(texts)}</p>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}
