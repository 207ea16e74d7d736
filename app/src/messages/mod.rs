//! Secure messages between a practitioner and a client ("Sikre meldinger"): one conversation
//! per client, every message and file sealed with the client's data key. The practitioner reads
//! and writes at `/messages` and on the client's profile; the client, who has no account, follows
//! a mailed link to `/secure-message` (see `link`).
//!
//! Messages with files are plain multipart forms (`files`), the same with or without
//! JavaScript: a refused one comes back with `?error=field.code`, a sent one with `?sent=1`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod files;
#[cfg(feature = "ssr")]
pub mod kind;
pub mod link;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::forms::{FormMessage, TextArea, action_error, field_problem, page_error, succeeded};
use crate::error::{AppError, FieldError};
use crate::i18n::t;
use crate::ids::ClientId;
use api::{CloseConversation, RevokeLinks, conversations, get_thread};
pub use link::SecureMessagePage;
use types::{ACCEPTED_FILES, MAX_FILES, MessageView, SecondFactor, Thread, problem_of, size_text};

/// The client's conversation session cookie. `SameSite=Strict` and `HttpOnly`; what it reaches
/// (one conversation) is decided by the server.
#[cfg(feature = "ssr")]
pub fn session_cookie_name(state: &crate::server::state::AppState) -> &'static str {
    if state.config.is_https() { "__Host-trygg_message" } else { "trygg_message" }
}

/// Sets the session cookie, or clears it with `None`.
#[cfg(feature = "ssr")]
pub fn session_cookie(state: &crate::server::state::AppState, token: Option<&str>) -> String {
    let secure = if state.config.is_https() { "; Secure" } else { "" };
    let (value, max_age) = match token {
        Some(token) => (token, types::SESSION_MAX_SECS),
        None => ("", 0),
    };
    format!("{}={value}; HttpOnly; SameSite=Strict; Path=/{secure}; Max-Age={max_age}", session_cookie_name(state))
}

/// The link's page, with only a token's own characters taken from `token`.
pub fn link_path(token: &str) -> String {
    let token: String =
        token.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).take(64).collect();
    format!("/secure-message?token={token}")
}

/// What the multipart form came back with (`?error=field.code,...`), as the form's fields and
/// its message read errors.
pub fn returned_errors() -> Signal<Option<AppError>> {
    let query = use_query_map();
    Signal::derive(move || {
        let list = query.with(|q| q.get("error"))?;
        let mut fields = Vec::new();
        let mut form = None;
        for (field, code) in list.split(',').filter_map(|item| item.split_once('.')) {
            let Some(problem) = problem_of(code) else { continue };
            match field {
                "body" | "files" | "second_factor" => fields.push(FieldError { field: field.into(), problem }),
                _ => form = Some(problem),
            }
        }
        match form {
            Some(problem) => Some(AppError::Rejected(problem)),
            None if fields.is_empty() => None,
            None => Some(AppError::Validation(fields)),
        }
    })
}

/// `/messages`: the practice's conversations, newest activity first, with unread counts; a
/// search by the client's name.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let texts = t();
    let query = use_query_map();
    let search = move || query.with(|q| q.get("q").unwrap_or_default());
    let list = Resource::new_blocking(search, conversations);
    view! {
        <Title text=format!("{} · Trygg", texts.nav_messages) />
        <div class="page-head">
            <h1>{texts.nav_messages}</h1>
        </div>
        <form method="get" action="/messages" class="search" role="search">
            <label for="q" class="visually-hidden">
                {texts.messages_search}
            </label>
            <input id="q" name="q" type="search" placeholder=texts.messages_search value=search autocomplete="off" />
            <button type="submit" class="secondary">
                {texts.client_search_submit}
            </button>
        </form>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{texts.messages_none}</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <ul class="client-list conversations">
                                {list
                                    .into_iter()
                                    .map(|conversation| {
                                        let unread = conversation.unread;
                                        view! {
                                            <li>
                                                <a href=format!("/messages/{}", conversation.client_id)>
                                                    <strong>{conversation.client_name}</strong>
                                                    {(unread > 0)
                                                        .then(|| {
                                                            view! {
                                                                <span class="badge unread">
                                                                    {texts
                                                                        .messages_unread
                                                                        .replace("{count}", &unread.to_string())}
                                                                </span>
                                                            }
                                                        })}
                                                    {conversation
                                                        .closed
                                                        .then(|| {
                                                            view! {
                                                                <span class="badge">{texts.messages_closed_badge}</span>
                                                            }
                                                        })}
                                                    <span class="contact">{conversation.last_activity}</span>
                                                </a>
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

/// `/messages/:id`: the conversation with one client.
#[component]
pub fn ConversationPage() -> impl IntoView {
    let texts = t();
    let params = use_params_map();
    let client_id = params.with_untracked(|p| p.get("id").and_then(|id| id.parse::<ClientId>().ok()));
    view! {
        <Title text=format!("{} · Trygg", texts.nav_messages) />
        <p>
            <a href="/messages">{texts.messages_back}</a>
        </p>
        {match client_id {
            Some(client_id) => view! { <ConversationSection client_id on_profile=false /> }.into_any(),
            None => page_error(&AppError::NotFound, texts),
        }}
    }
}

/// The conversation with a client, with the form to write: on its own page and on the client's
/// profile (`on_profile`).
#[component]
pub fn ConversationSection(client_id: ClientId, on_profile: bool) -> impl IntoView {
    let texts = t();
    let close = ServerAction::<CloseConversation>::new();
    let revoke = ServerAction::<RevokeLinks>::new();
    let changed = Memo::new(move |_| (close.version().get(), revoke.version().get()));
    let conversation = Resource::new_blocking(move || changed.get(), move |_| get_thread(client_id));
    view! {
        <section class="panel messages" id="messages" aria-labelledby="messages-title">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match conversation.await {
                        Ok(thread) => view! { <ThreadView thread on_profile close revoke /> }.into_any(),
                        Err(error) => page_error(&error, texts),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ThreadView(
    thread: Thread,
    on_profile: bool,
    close: ServerAction<CloseConversation>,
    revoke: ServerAction<RevokeLinks>,
) -> impl IntoView {
    let texts = t();
    let client_id = thread.client_id;
    let heading = if on_profile {
        view! { <h2 id="messages-title">{texts.nav_messages}</h2> }.into_any()
    } else {
        view! {
            <h1 id="messages-title">
                <a href=format!("/clients/{client_id}")>{thread.client_name.clone()}</a>
            </h1>
        }
        .into_any()
    };
    let sent = use_query_map().with_untracked(|q| q.get("sent").is_some());
    let close_error = action_error(close);
    let revoke_error = action_error(revoke);
    let revoked = move || succeeded(revoke);
    let closed = thread.closed;
    view! {
        {heading}
        {sent
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        {texts.messages_sent}
                    </p>
                }
            })}
        <MessageList messages=thread.messages.clone() mine_from_client=false file_base="/messages/files" />
        {if closed {
            view! { <p class="hint">{texts.messages_closed_hint}</p> }.into_any()
        } else if thread.has_email {
            view! { <ComposeForm thread=thread.clone() on_profile /> }.into_any()
        } else {
            view! { <p class="hint">{texts.messages_no_email}</p> }.into_any()
        }}
        <div class="actions messages-actions">
            {(!thread.messages.is_empty())
                .then(|| {
                    view! {
                        <ActionForm action=close>
                            <FormMessage error=close_error />
                            <input type="hidden" name="client_id" value=client_id.to_string() />
                            <input type="hidden" name="closed" value=(!closed).to_string() />
                            <button type="submit" class="secondary">
                                {if closed { texts.messages_reopen } else { texts.messages_close }}
                            </button>
                        </ActionForm>
                    }
                })}
            {thread
                .link_live
                .then(|| {
                    view! {
                        <ActionForm action=revoke>
                            <FormMessage error=revoke_error />
                            <input type="hidden" name="client_id" value=client_id.to_string() />
                            <button type="submit" class="secondary danger">
                                {texts.messages_revoke}
                            </button>
                        </ActionForm>
                    }
                })}
            {move || {
                revoked()
                    .then(|| {
                        view! {
                            <p class="notice" role="status">
                                {texts.messages_revoked}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// The messages of a conversation, oldest first: the reader's own on one side, the other party's
/// on the other, each with its files and, for the reader's own, when it was read.
#[component]
pub fn MessageList(messages: Vec<MessageView>, mine_from_client: bool, file_base: &'static str) -> impl IntoView {
    let texts = t();
    if messages.is_empty() {
        return view! { <p class="empty">{texts.messages_empty}</p> }.into_any();
    }
    view! {
        <ol class="thread">
            {messages
                .into_iter()
                .map(|message| {
                    let mine = message.from_client == mine_from_client;
                    let who = if message.from_client {
                        texts.messages_from_client
                    } else {
                        texts.messages_from_practice
                    };
                    let read = match (&message.read, mine) {
                        (Some(at), true) => Some(texts.messages_read_at.replace("{time}", at)),
                        (None, true) => Some(texts.messages_unread_yet.to_string()),
                        _ => None,
                    };
                    view! {
                        <li class="message" class:mine=mine>
                            <p class="meta">
                                <span class="author">{who}</span>
                                " · "
                                <time>{message.sent}</time>
                            </p>
                            {(!message.body.is_empty()).then(|| view! { <p class="body">{message.body}</p> })}
                            {(!message.files.is_empty())
                                .then(|| {
                                    view! {
                                        <ul class="files">
                                            {message
                                                .files
                                                .into_iter()
                                                .map(|file| {
                                                    view! {
                                                        <li>
                                                            <a
                                                                href=format!("{file_base}/{}", file.id)
                                                                download=file.name.clone()
                                                                rel="external"
                                                            >
                                                                {file.name.clone()}
                                                            </a>
                                                            " "
                                                            <span class="hint">{size_text(file.size)}</span>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    }
                                })}
                            {read.map(|text| view! { <p class="read hint">{text}</p> })}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}

/// The file picker of a message form, with its limits and its error.
#[component]
pub fn FilesField(error: Signal<Option<AppError>>) -> impl IntoView {
    let texts = t();
    let (problem, changed) = field_problem(error, "files");
    view! {
        <div class="field" class:invalid=move || problem.get().is_some()>
            <label for="files">{texts.messages_files}</label>
            <input
                id="files"
                name="files"
                type="file"
                multiple=true
                accept=ACCEPTED_FILES
                aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
                aria-describedby="files-hint files-error"
                on:change=changed
            />
            <p class="hint" id="files-hint">
                {texts.messages_files_hint.replace("{max}", &MAX_FILES.to_string())}
            </p>
            <p class="field-error" id="files-error">
                {move || problem.get().map(|p| p.message(texts))}
            </p>
        </div>
    }
}

/// The practitioner's form: text, files, and how the client's device proves itself.
#[component]
fn ComposeForm(thread: Thread, on_profile: bool) -> impl IntoView {
    let texts = t();
    let error = returned_errors();
    let (factor_problem, factor_changed) = field_problem(error, "second_factor");
    let option = |factor: SecondFactor, label: &'static str, enabled: bool| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="second_factor"
                    value=factor.code()
                    checked=thread.second_factor == factor
                    disabled=!enabled
                    on:change=factor_changed
                />
                {label}
            </label>
        }
    };
    view! {
        <form
            method="post"
            action=format!("/messages/{}/send", thread.client_id)
            enctype="multipart/form-data"
            class="stack compose"
            novalidate=true
        >
            <FormMessage error />
            {on_profile.then(|| view! { <input type="hidden" name="from" value="profile" /> })}
            <TextArea label=texts.messages_write name="body" error rows=5 value=thread.unsent.clone() />
            <FilesField error />
            <fieldset class="field" aria-describedby="second_factor-hint second_factor-error">
                <legend>{texts.messages_factor}</legend>
                {option(SecondFactor::Email, texts.messages_factor_email, true)}
                {option(SecondFactor::BirthDate, texts.messages_factor_birth_date, thread.has_birth_date)}
                <p class="hint" id="second_factor-hint">
                    {texts.messages_factor_hint}
                </p>
                <p class="field-error" id="second_factor-error">
                    {move || factor_problem.get().map(|p| p.message(texts))}
                </p>
            </fieldset>
            <button type="submit" class="primary">
                {texts.messages_send}
            </button>
        </form>
    }
}
