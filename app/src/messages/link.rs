//! The client's page behind a message link (`/secure-message?token=…`), phone first, and the
//! same without JavaScript: plain forms throughout. First the device proves itself (a mailed
//! code, or the date of birth); then the conversation, the answer form and the files.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use super::api::{SendCode, SignOut, Verify, get_link_page};
use super::types::{Access, LinkPage, SecondFactor};
use super::{FilesField, MessageList, link_path, returned_errors};
use crate::components::forms::{Field, FormMessage, Submit, TextArea, action_error};
use crate::i18n::t;

#[component]
pub fn SecureMessagePage() -> impl IntoView {
    let texts = t();
    let query = use_query_map();
    let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
    // Read again whenever a step brings the page back with another address (a code sent, the
    // device verified or signed out): with JavaScript, the router stays on this page.
    let page = Resource::new_blocking(
        move || {
            query.with(|q| (q.get("token").unwrap_or_default(), q.get("code"), q.get("opened"), q.get("signed_out")))
        },
        |(token, _, _, _)| get_link_page(token.into()),
    );
    view! {
        <Title text=format!("{} · Trygg", texts.secure_message_title) />
        <main id="main" class="card public secure-message">
            <Suspense fallback=|| ()>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match page.await {
                            Ok(page) => view! { <LinkView page token /> }.into_any(),
                            Err(error) => {
                                error.set_page_status();
                                view! {
                                    <h1>{texts.secure_message_title}</h1>
                                    <p class="error">{error.form_message(texts)}</p>
                                    <p class="hint">{texts.secure_message_invalid_hint}</p>
                                }
                                    .into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}

#[component]
fn LinkView(page: LinkPage, token: String) -> impl IntoView {
    let texts = t();
    let query = use_query_map();
    let signed_out = query.with_untracked(|q| q.get("signed_out").is_some());
    // Followed from a mail, the page came without the session cookie (`SameSite=Strict`): it
    // loads itself once more from this site, which sends it, before asking for a code. Only on
    // the link as mailed, so no step's page and no second load does so again.
    let as_mailed = query.with_untracked(|q| {
        ["resumed", "signed_out", "code", "opened", "sent", "error"].iter().all(|key| q.get(key).is_none())
    });
    let recheck = (page.recheck && as_mailed && matches!(page.access, Access::Verify(_)))
        .then(|| view! { <Meta http_equiv="refresh" content=format!("0; url={}&resumed=1", link_path(&token)) /> });
    view! {
        {recheck}
        <p class="practice">{page.practice}</p>
        <h1>{texts.secure_message_title}</h1>
        {signed_out
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        {texts.secure_message_signed_out}
                    </p>
                }
            })}
        {match page.access {
            Access::Verify(SecondFactor::Email) => view! { <ByCode token /> }.into_any(),
            Access::Verify(SecondFactor::BirthDate) => view! { <ByBirthDate token /> }.into_any(),
            Access::Open { closed, messages, unsent } => {
                view! {
                    <MessageList messages mine_from_client=true file_base="/secure-message/files" />
                    {if closed {
                        view! { <p class="notice">{texts.secure_message_closed}</p> }.into_any()
                    } else {
                        view! { <ReplyForm token=token.clone() unsent /> }.into_any()
                    }}
                    <SignOutForm token />
                }
                    .into_any()
            }
        }}
    }
}

/// A code mailed to the client, then the code.
#[component]
fn ByCode(token: String) -> impl IntoView {
    let texts = t();
    let send = ServerAction::<SendCode>::new();
    let verify = ServerAction::<Verify>::new();
    let send_error = action_error(send);
    let error = action_error(verify);
    let query = use_query_map();
    let code_sent = Signal::derive(move || query.with(|q| q.get("code").as_deref() == Some("sent")));
    let send_token = token.clone();
    view! {
        <p>{texts.secure_message_code_intro}</p>
        <ActionForm action=send attr:class="send-code">
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
            <button type="submit" class=move || if code_sent.get() { "secondary" } else { "primary" }>
                {move || if code_sent.get() { texts.consent_code_resend } else { texts.consent_code_send }}
            </button>
        </ActionForm>
        <ActionForm action=verify attr:class="stack verify" attr:novalidate=true>
            <FormMessage error />
            <input type="hidden" name="token" value=token />
            <Field
                label=texts.consent_code_label
                name="code"
                error
                autocomplete="one-time-code"
                inputmode="numeric"
                hint=texts.consent_code_hint
            />
            <Submit action=verify label=texts.secure_message_open />
        </ActionForm>
    }
}

/// The client's date of birth, as the practice has it.
#[component]
fn ByBirthDate(token: String) -> impl IntoView {
    let texts = t();
    let verify = ServerAction::<Verify>::new();
    let error = action_error(verify);
    view! {
        <p>{texts.secure_message_birth_date_intro}</p>
        <ActionForm action=verify attr:class="stack verify" attr:novalidate=true>
            <FormMessage error />
            <input type="hidden" name="token" value=token />
            <Field
                label=texts.client_birth_date
                name="birth_date"
                kind="date"
                error
                autocomplete="bday"
                hint=texts.secure_message_birth_date_hint
            />
            <Submit action=verify label=texts.secure_message_open />
        </ActionForm>
    }
}

/// The client's answer, with files: a plain multipart form.
#[component]
fn ReplyForm(token: String, unsent: String) -> impl IntoView {
    let texts = t();
    let error = returned_errors();
    let sent = use_query_map().with_untracked(|q| q.get("sent").is_some());
    view! {
        <form
            method="post"
            action="/secure-message/reply"
            enctype="multipart/form-data"
            class="stack compose"
            id="reply"
            novalidate=true
        >
            {sent
                .then(|| {
                    view! {
                        <p class="notice" role="status">
                            {texts.messages_sent}
                        </p>
                    }
                })}
            <FormMessage error />
            <input type="hidden" name="token" value=token />
            <TextArea label=texts.secure_message_answer name="body" error rows=5 value=unsent />
            <FilesField error />
            <button type="submit" class="primary">
                {texts.messages_send}
            </button>
        </form>
    }
}

#[component]
fn SignOutForm(token: String) -> impl IntoView {
    let texts = t();
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <ActionForm action=sign_out attr:class="sign-out">
            <input type="hidden" name="token" value=token />
            <button type="submit" class="secondary">
                {texts.secure_message_sign_out}
            </button>
        </ActionForm>
    }
}
