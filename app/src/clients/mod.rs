//! Clients: the list with search, the profile, and the form that creates or edits a client.

pub mod api;
#[cfg(feature = "ssr")]
pub mod directory;
#[cfg(feature = "ssr")]
pub mod erasure;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::forms::{Field, FormMessage, Submit, TextArea, action_error, page_error};
use crate::consent::{ConsentSection, ConsentState, StatusIcon};
use crate::dates;
use crate::error::AppError;
use crate::i18n::{t, use_lang};
use crate::ids::ClientId;
use crate::journal::{JournalSection, JournalState};
use crate::messages::ConversationSection;
use api::{CreateClient, DeleteClient, UpdateClient, deletion_preview, get_client, list_clients};
use types::Client;

/// `/clients`: search by name, email or phone; a plain GET form, so it works without JavaScript.
#[component]
pub fn ClientsPage() -> impl IntoView {
    let texts = t();
    let query = use_query_map();
    let search = move || query.with(|q| q.get("q").unwrap_or_default());
    let clients = Resource::new_blocking(search, list_clients);
    let deleted = query.with_untracked(|q| q.get("deleted").is_some());
    view! {
        <Title text=format!("{} · Trygg", texts.nav_clients) />
        <div class="page-head">
            <h1>{texts.nav_clients}</h1>
            <a class="button primary" href="/clients/new">
                {texts.client_new}
            </a>
        </div>
        {deleted
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        {texts.client_deleted}
                    </p>
                }
            })}
        <form method="get" action="/clients" class="search" role="search">
            <label for="q" class="visually-hidden">
                {texts.client_search}
            </label>
            <input
                id="q"
                name="q"
                type="search"
                placeholder=texts.client_search
                value=search
                autocomplete="off"
                aria-describedby="q-error"
            />
            <button type="submit" class="secondary">
                {texts.client_search_submit}
            </button>
        </form>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match clients.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{texts.client_none}</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <ul class="client-list">
                                {list
                                    .into_iter()
                                    .map(|client| {
                                        view! {
                                            <li>
                                                <a href=format!("/clients/{}", client.id)>
                                                    <strong>{client.name}</strong>
                                                    <StatusIcon status=client.consent />
                                                    <span class="contact">
                                                        {[client.email, client.phone]
                                                            .into_iter()
                                                            .filter(|s| !s.is_empty())
                                                            .collect::<Vec<_>>()
                                                            .join(" · ")}
                                                    </span>
                                                </a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        match error.for_field("q") {
                            Some(problem) => {
                                view! {
                                    <p class="field-error" id="q-error" role="alert">
                                        {problem.message(texts)}
                                    </p>
                                }
                                    .into_any()
                            }
                            None => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                        }
                    }
                }
            })}
        </Suspense>
    }
}

/// `/clients/new`.
#[component]
pub fn NewClientPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<CreateClient>::new();
    let error = action_error(action);
    view! {
        <Title text=format!("{} · Trygg", texts.client_new) />
        <p>
            <a href="/clients">{texts.client_back}</a>
        </p>
        <h1>{texts.client_new}</h1>
        <ActionForm action attr:class="stack panel" attr:novalidate=true>
            <FormMessage error />
            <ClientFields client=None error />
            <Submit action label=texts.client_create />
        </ActionForm>
    }
}

fn client_id() -> impl Fn() -> Option<ClientId> + Copy {
    let params = use_params_map();
    move || params.with(|p| p.get("id").and_then(|id| id.parse::<ClientId>().ok()))
}

async fn load_client(id: Option<ClientId>) -> Result<Client, AppError> {
    match id {
        Some(id) => get_client(id).await,
        None => Err(AppError::NotFound),
    }
}

/// `/clients/:id`: the profile. Later parts of Trygg (journal, consent, messages) add sections.
#[component]
pub fn ClientPage() -> impl IntoView {
    let texts = t();
    let id = client_id();
    let client = Resource::new_blocking(id, load_client);
    let journal = JournalState::new(id);
    let consent = ConsentState::new(id);
    view! {
        <p>
            <a href="/clients">{texts.client_back}</a>
        </p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match client.await {
                    Ok(client) => view! { <ClientProfile client journal consent /> }.into_any(),
                    Err(error) => {
                        error.set_page_status();
                        view! {
                            <Title text=texts.not_found_title />
                            <p class="error">{error.form_message(texts)}</p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn ClientProfile(client: Client, journal: JournalState, consent: ConsentState) -> impl IntoView {
    let texts = t();
    let fact = |label: &'static str, value: String| {
        (!value.is_empty()).then(|| {
            view! {
                <dt>{label}</dt>
                <dd>{value}</dd>
            }
        })
    };
    let id = client.id;
    let has_email = !client.email.is_empty();
    let has_details = [&client.email, &client.phone, &client.birth_date, &client.address, &client.notes]
        .iter()
        .any(|value| !value.is_empty());
    view! {
        // The tab title never carries a client's name: it shows in the task bar and in shared screens.
        <Title text=format!("{} · Trygg", texts.client_profile) />
        <div class="page-head">
            <h1>{client.name.clone()}</h1>
            <a class="button secondary" href=format!("/clients/{}/edit", client.id)>
                {texts.client_edit}
            </a>
        </div>
        {has_details
            .then(move || {
                view! {
                    <section class="panel">
                        <dl class="facts">
                            {fact(texts.email, client.email)} {fact(texts.client_phone, client.phone)}
                            {fact(texts.client_birth_date, dates::long_date_of(use_lang(), &client.birth_date))}
                            {fact(texts.client_address, client.address)}
                        </dl>
                        {(!client.notes.is_empty())
                            .then(|| {
                                view! {
                                    <h2>{texts.client_notes}</h2>
                                    <p class="notes">{client.notes}</p>
                                }
                            })}
                    </section>
                }
            })}
        <ConsentSection client_id=id has_email state=consent />
        <JournalSection client_id=id state=journal />
        <ConversationSection client_id=id on_profile=true />
        <crate::ip_requests::OnlineBookings client_id=id />
        <section class="panel" aria-labelledby="export-title">
            <h2 id="export-title">{texts.export_client_title}</h2>
            <p class="hint">{texts.export_client_hint}</p>
            <a class="button secondary" id="client-export" href=crate::export::client_archive_path(id) download>
                {texts.export_client_download}
            </a>
        </section>
    }
}

/// `/clients/:id/edit`: change the details, or delete the client.
#[component]
pub fn EditClientPage() -> impl IntoView {
    let texts = t();
    let id = client_id();
    let client = Resource::new_blocking(id, load_client);
    let update = ServerAction::<UpdateClient>::new();
    let error = action_error(update);
    view! {
        <Title text=format!("{} · Trygg", texts.client_edit) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match client.await {
                    Ok(client) => {
                        let (update_id, delete_id) = (client.id.to_string(), client.id.to_string());
                        let profile = format!("/clients/{}", client.id);
                        view! {
                            <p>
                                <a href=profile>{texts.client_back_to_profile}</a>
                            </p>
                            <h1>{texts.client_edit}</h1>
                            <ActionForm action=update attr:class="stack panel" attr:novalidate=true>
                                <FormMessage error />
                                <input type="hidden" name="id" value=update_id />
                                <ClientFields client=Some(client) error />
                                <Submit action=update label=texts.client_save />
                            </ActionForm>
                            <section class="panel danger-zone">
                                <h2>{texts.client_delete_title}</h2>
                                <p class="hint">{texts.client_delete_intro}</p>
                                <a class="button danger" href=format!("/clients/{delete_id}/delete")>
                                    {texts.client_delete}
                                </a>
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

/// `/clients/:id/delete`: names what goes before anything does. A link, then a form: it asks
/// the same with or without JavaScript.
#[component]
pub fn DeleteClientPage() -> impl IntoView {
    let texts = t();
    let id = client_id();
    let preview = Resource::new_blocking(id, |id| async move {
        match id {
            Some(id) => deletion_preview(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let delete = ServerAction::<DeleteClient>::new();
    let error = action_error(delete);
    view! {
        <Title text=format!("{} · Trygg", texts.client_delete_title) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match preview.await {
                    Ok(preview) => {
                        let n = preview.counts;
                        let counts = [
                            (n.journal_entries, texts.client_delete_journal_one, texts.client_delete_journal_many),
                            (n.appointments, texts.client_delete_appointment_one, texts.client_delete_appointment_many),
                            (n.consents, texts.client_delete_consent_one, texts.client_delete_consent_many),
                            (n.messages, texts.client_delete_message_one, texts.client_delete_message_many),
                            (n.files, texts.client_delete_file_one, texts.client_delete_file_many),
                        ];
                        let profile = format!("/clients/{}", preview.id);
                        view! {
                            <h1>{texts.client_delete_confirm_title.replace("{name}", &preview.name)}</h1>
                            <section class="panel danger-zone">
                                <p>{texts.client_delete_goes}</p>
                                <ul class="deletion-counts" data-testid="deletion-counts">
                                    <li>{texts.client_delete_profile}</li>
                                    {counts
                                        .into_iter()
                                        .filter(|(n, ..)| *n > 0)
                                        .map(|(n, one, many)| {
                                            view! {
                                                <li>
                                                    {if n == 1 {
                                                        one.to_string()
                                                    } else {
                                                        many.replace("{n}", &n.to_string())
                                                    }}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                <p>
                                    <strong>{texts.client_delete_final}</strong>
                                </p>
                                <ActionForm action=delete attr:class="row">
                                    <FormMessage error />
                                    <input type="hidden" name="id" value=preview.id.to_string() />
                                    <button type="submit" class="danger">
                                        {texts.client_delete_confirm.replace("{name}", &preview.name)}
                                    </button>
                                    <a href=profile>{texts.client_delete_keep}</a>
                                </ActionForm>
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

#[component]
fn ClientFields(client: Option<Client>, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let texts = t();
    let value = |get: fn(&Client) -> &String| client.as_ref().map(|c| get(c).clone());
    let notes = value(|c| &c.notes).unwrap_or_default();
    view! {
        <Field
            label=texts.client_name
            name="name"
            autocomplete="off"
            error
            value=value(|c| &c.name).unwrap_or_default()
        />
        <Field
            label=texts.email
            name="email"
            kind="email"
            autocomplete="off"
            error
            value=value(|c| &c.email).unwrap_or_default()
        />
        <Field
            label=texts.client_phone
            name="phone"
            kind="tel"
            autocomplete="off"
            error
            value=value(|c| &c.phone).unwrap_or_default()
        />
        <Field
            label=texts.client_birth_date
            name="birth_date"
            kind="date"
            autocomplete="off"
            error
            value=value(|c| &c.birth_date).unwrap_or_default()
        />
        <Field
            label=texts.client_address
            name="address"
            autocomplete="off"
            error
            value=value(|c| &c.address).unwrap_or_default()
        />
        <TextArea label=texts.client_notes name="notes" error value=notes />
    }
}
