//! The client's journal: entries listed newest first on the profile, a form for a new one, and
//! a page per entry to change it and read its earlier wordings. Every reading and writing lands
//! in the practice's audit log, which the profile shows.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::audit::types::AuditEvent;
use crate::components::forms::{
    Field, FormMessage, Submit, TextArea, action_error, page_error, succeeded, success_count,
};
use crate::dates;
use crate::error::AppError;
use crate::i18n::{t, use_lang};
use crate::ids::ClientId;
use api::{CreateJournalEntry, EditJournalEntry, get_journal, get_journal_history};
use types::{ENTRIES_PAGE, Journal, JournalEntry};

/// The journal of the client page: its new-entry action, and the journal read again after each
/// save that worked (a refused one keeps the form, and what was typed). Made once per page, not
/// inside the client's `Suspend`, which may run more than once.
#[derive(Clone, Copy)]
pub struct JournalState {
    create: ServerAction<CreateJournalEntry>,
    journal: Resource<Result<Journal, AppError>>,
}

impl JournalState {
    pub fn new(client_id: impl Fn() -> Option<ClientId> + Send + Sync + Copy + 'static) -> Self {
        let create = ServerAction::<CreateJournalEntry>::new();
        let saved = success_count(move || succeeded(create));
        // `?entries=40` shows older entries: a plain link, so it works without JavaScript too.
        let query = use_query_map();
        let shown = move || query.with(|q| q.get("entries").and_then(|n| n.parse::<usize>().ok()));
        let journal = Resource::new(
            move || (client_id(), shown(), saved.get()),
            |(id, shown, _)| async move {
                match id {
                    Some(id) => get_journal(id, shown).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        Self { create, journal }
    }
}

/// The journal part of the client profile.
#[component]
pub fn JournalSection(client_id: ClientId, state: JournalState) -> impl IntoView {
    let texts = t();
    let JournalState { create, journal: entries } = state;
    let error = action_error(create);
    view! {
        <section class="panel journal" id="journal" aria-labelledby="journal-title">
            <h2 id="journal-title">{texts.journal_title}</h2>
            <p class="hint">{texts.journal_encrypted}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(journal) => {
                            let today = journal.today.clone();
                            view! {
                                <details class="new-entry" open=journal.entries.is_empty()>
                                    <summary>{texts.journal_new}</summary>
                                    <ActionForm action=create attr:class="stack" attr:novalidate=true>
                                        <FormMessage error />
                                        <input type="hidden" name="client_id" value=client_id.to_string() />
                                        <Field label=texts.journal_date name="date" kind="date" error value=today />
                                        <Field label=texts.journal_entry_title name="title" error />
                                        <TextArea label=texts.journal_text name="text" error rows=8 />
                                        <Submit action=create label=texts.journal_save />
                                    </ActionForm>
                                </details>
                                {if journal.entries.is_empty() {
                                    view! { <p class="empty">{texts.journal_none}</p> }.into_any()
                                } else {
                                    let more = format!("?entries={}#journal", journal.entries.len() + ENTRIES_PAGE);
                                    view! {
                                        <ol class="journal-entries">
                                            {journal
                                                .entries
                                                .into_iter()
                                                .map(|entry| {
                                                    view! {
                                                        <li>
                                                            <EntryView client_id entry />
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ol>
                                        {journal
                                            .older
                                            .then(|| {
                                                view! {
                                                    <p>
                                                        <a class="button secondary older" href=more>
                                                            {texts.journal_older}
                                                        </a>
                                                    </p>
                                                }
                                            })}
                                    }
                                        .into_any()
                                }}
                                <AccessLog events=journal.log />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Who read or wrote this client's data (profile, journal, appointments, consent), and when.
#[component]
fn AccessLog(events: Vec<AuditEvent>) -> impl IntoView {
    let texts = t();
    let lang = use_lang();
    view! {
        <details class="journal-log">
            <summary>{texts.journal_log}</summary>
            <table class="audit">
                <thead>
                    <tr>
                        <th>{texts.audit_when}</th>
                        <th>{texts.audit_who}</th>
                        <th>{texts.audit_what}</th>
                    </tr>
                </thead>
                <tbody>
                    {events
                        .into_iter()
                        .map(|event| {
                            view! {
                                <tr>
                                    <td>{dates::moment(lang, &event.when)}</td>
                                    <td>{event.actor.unwrap_or_else(|| texts.audit_actor_client.into())}</td>
                                    <td>{event.action.label(texts)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </details>
    }
}

#[component]
fn EntryView(client_id: ClientId, entry: JournalEntry) -> impl IntoView {
    let texts = t();
    let lang = use_lang();
    let edited = entry.version > 1;
    view! {
        <article class="journal-entry">
            <header>
                <h3>{entry.title}</h3>
                <p class="meta">
                    <time datetime=entry.date.clone()>{dates::long_date_of(lang, &entry.date)}</time>
                    " · "
                    {entry.author}
                    " · "
                    {dates::moment(lang, &entry.written)}
                    {edited
                        .then(|| {
                            view! {
                                " · "
                                <span class="badge">{texts.journal_edited}</span>
                            }
                        })}
                </p>
            </header>
            <p class="journal-text">{entry.text}</p>
            <a class="button secondary" href=format!("/clients/{client_id}/journal/{}", entry.id)>
                {if edited { texts.journal_edit_and_history } else { texts.journal_edit }}
            </a>
        </article>
    }
}

/// `/clients/:id/journal/:entry`: change an entry; its earlier wordings below.
#[component]
pub fn JournalEntryPage() -> impl IntoView {
    let texts = t();
    let lang = use_lang();
    let params = use_params_map();
    let ids = move || {
        params.with(|p| {
            let client_id = p.get("id").and_then(|v| v.parse::<ClientId>().ok());
            client_id.zip(p.get("entry").and_then(|v| v.parse::<i64>().ok()))
        })
    };
    let history = Resource::new_blocking(ids, |ids| async move {
        match ids {
            Some((client_id, entry_id)) => get_journal_history(client_id, entry_id).await.map(|h| (client_id, h)),
            None => Err(AppError::NotFound),
        }
    });
    let edit = ServerAction::<EditJournalEntry>::new();
    let error = action_error(edit);
    view! {
        <Title text=format!("{} · Trygg", texts.journal_entry) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match history.await {
                    Ok((client_id, history)) => {
                        let mut versions = history.versions.into_iter();
                        let Some(current) = versions.next() else {
                            return view! { <p class="error">{texts.err_not_found}</p> }.into_any();
                        };
                        let earlier: Vec<JournalEntry> = versions.collect();
                        view! {
                            <p>
                                <a href=format!("/clients/{client_id}#journal")>{texts.journal_back}</a>
                            </p>
                            <h1>{texts.journal_entry}</h1>
                            <p class="hint">{history.client_name}</p>
                            <ActionForm action=edit attr:class="stack panel" attr:novalidate=true>
                                <FormMessage error />
                                <input type="hidden" name="client_id" value=client_id.to_string() />
                                <input type="hidden" name="entry_id" value=current.id.to_string() />
                                <input type="hidden" name="version" value=current.version.to_string() />
                                <Field label=texts.journal_date name="date" kind="date" error value=current.date />
                                <Field label=texts.journal_entry_title name="title" error value=current.title />
                                <TextArea label=texts.journal_text name="text" error value=current.text rows=12 />
                                <p class="hint">{texts.journal_edit_keeps_history}</p>
                                <Submit action=edit label=texts.journal_save_changes />
                            </ActionForm>
                            <section class="panel" aria-labelledby="history-title">
                                <h2 id="history-title">{texts.journal_history}</h2>
                                <p class="meta">
                                    {texts.journal_version.replace("{n}", &current.version.to_string())} " · "
                                    {current.author} " · " {dates::moment(lang, &current.written)} " · "
                                    {texts.journal_current}
                                </p>
                                {if earlier.is_empty() {
                                    view! { <p class="empty">{texts.journal_no_history}</p> }.into_any()
                                } else {
                                    view! {
                                        <ol class="journal-history">
                                            {earlier
                                                .into_iter()
                                                .map(|version| {
                                                    view! {
                                                        <li>
                                                            <p class="meta">
                                                                {texts
                                                                    .journal_version
                                                                    .replace("{n}", &version.version.to_string())} " · "
                                                                {version.author} " · "
                                                                {dates::moment(lang, &version.written)}
                                                            </p>
                                                            <h3>
                                                                {dates::long_date_of(lang, &version.date)} " · "
                                                                {version.title}
                                                            </h3>
                                                            <p class="journal-text">{version.text}</p>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ol>
                                    }
                                        .into_any()
                                }}
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => page_error(&error, texts),
                }
            })}
        </Suspense>
    }
}
