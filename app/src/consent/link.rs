//! The client's page behind a consent link (`/consent?token=…`, phone first, works without
//! JavaScript): read the declaration, sign with a typed name and an optional drawn signature, or
//! decline; later the own copy, and withdrawal with a mailed code.

use leptos::context::Provider;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::StatusIcon;
use super::api::{DeclineConsent, SendWithdrawalCode, SignConsent, WithdrawConsent, get_consent_page};
use super::types::{self, ConsentPage, ConsentStatus, Drawing};
use crate::components::forms::{Field, FormMessage, Submit, action_error, field_problem, succeeded, success_count};
use crate::dates;
use crate::error::AppError;
use crate::i18n::{Lang, t, use_lang};

/// `/consent?token=…`: what the client opens from the email. It works before, and without, any
/// WebAssembly: plain forms. Showing it changes nothing; see `OpenedOnUse`.
///
/// It speaks the declaration's language, whatever the browser's, unless the client picks the
/// other one with the switch at the top (`&lang=…`, a plain link).
#[component]
pub fn ConsentLinkPage() -> impl IntoView {
    let query = use_query_map();
    let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
    let chosen = query.with_untracked(|q| q.get("lang").and_then(|code| Lang::from_code(&code)));
    let browser = use_lang();
    let actions = LinkActions {
        sign: ServerAction::<SignConsent>::new(),
        decline: ServerAction::<DeclineConsent>::new(),
        withdraw: ServerAction::<WithdrawConsent>::new(),
        send_code: ServerAction::<SendWithdrawalCode>::new(),
    };
    // Read again once an answer went through (a refused one keeps the form as filled in).
    let answered = success_count(move || {
        [succeeded(actions.sign), succeeded(actions.decline), succeeded(actions.withdraw)].contains(&true)
    });
    let page = Resource::new_blocking(
        {
            let token = token.clone();
            move || (token.clone(), answered.get())
        },
        |(token, _)| get_consent_page(token.into()),
    );
    // After a code was mailed the page is loaded again with `code=sent` (also without JavaScript).
    let code_sent = Signal::derive(move || query.with(|q| q.get("code").as_deref() == Some("sent")));
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let token = token.clone();
                Suspend::new(async move {
                    let page = page.await;
                    let lang = types::page_lang(chosen, page.as_ref().ok().and_then(|page| page.lang), browser);
                    let outcome = page.as_ref().ok().map(|page| page.status).filter(|status| !status.is_open());
                    view! {
                        <Provider value=lang>
                            <LinkFrame lang token=token.clone() outcome>
                                {match page {
                                    Ok(page) => view! { <LinkView page token actions code_sent /> }.into_any(),
                                    Err(error) => {
                                        error.set_page_status();
                                        let texts = t();
                                        view! {
                                            <h1>{texts.consent_title}</h1>
                                            <p class="error">{error.form_message(texts)}</p>
                                        }
                                            .into_any()
                                    }
                                }}
                            </LinkFrame>
                        </Provider>
                    }
                })
            }}
        </Suspense>
    }
}

/// The page around the link's content, in its language, with the switch to the other one: a
/// link that loads the page again, so it works without JavaScript too. Once the request is
/// answered, the title says how: every answer is a new page, and a screen reader reads the
/// title first.
#[component]
fn LinkFrame(lang: Lang, token: String, outcome: Option<ConsentStatus>, children: Children) -> impl IntoView {
    let texts = t();
    let title = match outcome {
        Some(status) => format!("{} · {} · Trygg", status.label(texts), texts.consent_title),
        None => format!("{} · Trygg", texts.consent_title),
    };
    let other = match lang {
        Lang::Nb => (Lang::En, texts.lang_en),
        Lang::En => (Lang::Nb, texts.lang_nb),
    };
    let switch = format!("/consent?token={token}&lang={}", other.0.code());
    view! {
        <Title text=title />
        <main id="main" class="card public consent-page" lang=lang.code()>
            <nav class="consent-language" aria-label=texts.language>
                // A full load: the whole page, its forms' messages included, changes language.
                <a href=switch hreflang=other.0.code() lang=other.0.code() rel="external">
                    {other.1}
                </a>
            </nav>
            {children()}
        </main>
    }
}

/// The client's actions on the link page, made once per page.
#[derive(Clone, Copy)]
struct LinkActions {
    sign: ServerAction<SignConsent>,
    decline: ServerAction<DeclineConsent>,
    withdraw: ServerAction<WithdrawConsent>,
    send_code: ServerAction<SendWithdrawalCode>,
}

#[component]
fn LinkView(page: ConsentPage, token: String, actions: LinkActions, code_sent: Signal<bool>) -> impl IntoView {
    let texts = t();
    let status = page.status;
    let heading = match &page.declaration {
        Some(declaration) => view! {
            <p class="practice">{declaration.practice.clone()}</p>
            <h1>{declaration.title.clone()}</h1>
            <div class="declaration">{declaration.body.clone()}</div>
        }
        .into_any(),
        None if page.withdraw_needs_code => view! { <h1>{texts.consent_withdraw_title}</h1> }.into_any(),
        None => view! {
            <h1>{texts.consent_title}</h1>
            <p class="hint">{texts.consent_closed_intro}</p>
        }
        .into_any(),
    };
    let answer = if status.is_open() {
        view! {
            {(status == ConsentStatus::Sent).then(|| view! { <OpenedOnUse token=token.clone() /> })}
            <SignForms token actions />
        }
        .into_any()
    } else if page.withdraw_needs_code {
        view! { <WithdrawByCode token actions code_sent /> }.into_any()
    } else if status == ConsentStatus::Signed {
        let withdraw_error = action_error(actions.withdraw);
        view! {
            <p class="notice" role="status">
                <StatusIcon status />
            </p>
            <OwnCopy token=token.clone() until=page.copy_until />
            <p class="hint">{texts.consent_withdraw_intro}</p>
            <ActionForm action=actions.withdraw attr:class="decline">
                <FormMessage error=withdraw_error />
                <input type="hidden" name="token" value=token />
                <button type="submit" class="danger">
                    {texts.consent_withdraw}
                </button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <p class="notice" role="status">
                <StatusIcon status />
            </p>
            <OwnCopy token until=page.copy_until />
        }
        .into_any()
    };
    view! {
        {heading}
        {answer}
    }
}

/// The signing form and the decline button.
#[component]
fn SignForms(token: String, actions: LinkActions) -> impl IntoView {
    let texts = t();
    let error = action_error(actions.sign);
    let decline_error = action_error(actions.decline);
    let sign_token = token.clone();
    view! {
        <ActionForm action=actions.sign attr:class="stack" attr:novalidate=true>
            <FormMessage error />
            <input type="hidden" name="token" value=sign_token />
            <AgreeBox error />
            <Field label=texts.consent_full_name name="name" autocomplete="name" error />
            <SignaturePad error />
            <Submit action=actions.sign label=texts.consent_sign />
        </ActionForm>
        <ActionForm action=actions.decline attr:class="decline">
            <FormMessage error=decline_error />
            <input type="hidden" name="token" value=token />
            <button type="submit" class="secondary">
                {texts.consent_decline}
            </button>
        </ActionForm>
    }
}

/// The link to the client's own copy (labelled in the page's language), with until when the
/// link serves it.
#[component]
fn OwnCopy(token: String, until: Option<String>) -> impl IntoView {
    let texts = t();
    let lang = use_lang();
    until.map(|until| {
        let copy = format!("/consent/copy.pdf?token={token}&lang={}", lang.code());
        let until = dates::moment(lang, &until);
        view! {
            <p>
                <a class="button secondary" href=copy download="">
                    {texts.consent_copy_mine}
                </a>
            </p>
            <p class="hint copy-until">{texts.consent_copy_until.replace("{date}", &until)}</p>
        }
    })
}

/// Withdrawal through a link whose 30 days are over: a code mailed to the client, then the code.
#[component]
fn WithdrawByCode(token: String, actions: LinkActions, code_sent: Signal<bool>) -> impl IntoView {
    let texts = t();
    let send_error = action_error(actions.send_code);
    let error = action_error(actions.withdraw);
    let send_token = token.clone();
    view! {
        <p class="notice" role="status">
            <StatusIcon status=ConsentStatus::Signed />
        </p>
        <p class="hint">{texts.consent_withdraw_old_intro}</p>
        <ActionForm action=actions.send_code attr:class="send-code">
            <FormMessage error=send_error />
            <input type="hidden" name="token" value=send_token />
            {move || {
                code_sent
                    .get()
                    .then(|| {
                        view! {
                            <p class="notice" role="status">
                                {texts.consent_code_sent}
                            </p>
                        }
                    })
            }}
            <button type="submit" class="secondary">
                {move || if code_sent.get() { texts.consent_code_resend } else { texts.consent_code_send }}
            </button>
        </ActionForm>
        <ActionForm action=actions.withdraw attr:class="stack withdraw-code" attr:novalidate=true>
            <FormMessage error />
            <input type="hidden" name="token" value=token />
            <Field
                label=texts.consent_code_label
                name="code"
                inputmode="numeric"
                autocomplete="one-time-code"
                hint=texts.consent_code_hint
                error
            />
            <Submit action=actions.withdraw label=texts.consent_withdraw />
        </ActionForm>
    }
}

/// Records "opened" once a person uses the page: the consent page's script (`client-pages`)
/// sends it on the first touch, click, key, wheel or scroll. A mail scanner that only fetches
/// the link, or renders it without using it, leaves the request as it was. Without JavaScript
/// the first form sent opens it.
#[component]
fn OpenedOnUse(token: String) -> impl IntoView {
    view! { <span id="opened-on-use" data-token=token hidden></span> }
}

/// The box the client ticks to consent, with its error beside it.
#[component]
fn AgreeBox(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let texts = t();
    let (problem, changed) = field_problem(error, "agree");
    view! {
        <div class="field check" class:invalid=move || problem.get().is_some()>
            <input
                id="agree"
                name="agree"
                type="checkbox"
                value="yes"
                aria-describedby="agree-error"
                on:change=changed
            />
            <label for="agree">{texts.consent_agree}</label>
            <p class="field-error" id="agree-error">
                {move || problem.get().map(|p| p.message(texts))}
            </p>
        </div>
    }
}

/// The optional drawn signature: strokes on a canvas with a finger, a pen or the mouse, written
/// as `Drawing` text into the hidden `signature` field by the consent page's script
/// (`client-pages`), which shows the pad and hides the note. Before that, and without
/// JavaScript, the form signs with the typed name alone.
#[component]
fn SignaturePad(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let texts = t();
    let field_error = move || error.get().and_then(|e| e.for_field("signature")).map(|p| p.message(texts));
    let (width, height) = (u32::from(Drawing::WIDTH) * 2, u32::from(Drawing::HEIGHT) * 2);
    view! {
        <div class="field signature">
            <p class="hint" id="signature-needs-js">
                {texts.consent_draw_needs_js}
            </p>
            <div class="signature-live" id="signature-live" hidden>
                // A canvas cannot take a <label>; it is named by this text instead.
                <p class="label" id="signature-label">
                    {texts.consent_draw}
                </p>
                <p class="hint" id="signature-hint">
                    {texts.consent_draw_hint}
                </p>
                <canvas
                    id="signature-pad"
                    class="signature-pad"
                    role="img"
                    width=width
                    height=height
                    aria-labelledby="signature-label"
                    aria-describedby="signature-hint signature-error"
                ></canvas>
                <input type="hidden" name="signature" id="signature" value="" />
                <button type="button" class="secondary clear" id="signature-clear">
                    {texts.consent_draw_clear}
                </button>
            </div>
            <p class="field-error" id="signature-error">
                {field_error}
            </p>
        </div>
    }
}
