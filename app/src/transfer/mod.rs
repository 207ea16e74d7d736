//! Settings → Hand over ("Overfør eierskap"): a guided page that first helps clean up what a new
//! owner must not see, offers the export, takes the new owner's login, and hands the account over
//! once the new owner has confirmed their address.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{Checkbox, Field, FormMessage, Submit, action_error};
use crate::components::layout::PublicFrame;
use crate::i18n::t;
use api::{CancelTransfer, CompleteTransfer, ConfirmTransfer, DeleteInBulk, StartTransfer, get_transfer};
use types::{BulkKind, Holdings, PendingTransfer};

#[component]
pub fn TransferPage() -> impl IntoView {
    let texts = t();
    let delete = ServerAction::<DeleteInBulk>::new();
    let start = ServerAction::<StartTransfer>::new();
    let cancel = ServerAction::<CancelTransfer>::new();
    let complete = ServerAction::<CompleteTransfer>::new();
    let overview = Resource::new_blocking(
        move || (delete.version().get(), start.version().get(), cancel.version().get()),
        |_| get_transfer(),
    );
    view! {
        <Title text=format!("{} · Trygg", texts.settings_transfer) />
        <h1>{texts.settings_transfer}</h1>
        <p class="intro">{texts.transfer_intro}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => {
                        view! {
                            <CleanUp holdings=overview.holdings delete />
                            <section class="panel" aria-labelledby="transfer-export-title">
                                <h2 id="transfer-export-title">{texts.transfer_step_export}</h2>
                                <p>{texts.transfer_export_intro}</p>
                                <p>
                                    <a class="button secondary" href="/settings/export">
                                        {texts.transfer_export_link}
                                    </a>
                                </p>
                            </section>
                            <NewLogin pending=overview.pending.clone() start cancel />
                            <HandOver pending=overview.pending complete />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Step 1: what the account holds, and the kinds to delete in bulk.
#[component]
fn CleanUp(holdings: Holdings, delete: ServerAction<DeleteInBulk>) -> impl IntoView {
    let texts = t();
    let error = action_error(delete);
    let rows = [
        (texts.transfer_clients, holdings.clients, Some(BulkKind::Clients)),
        (texts.transfer_appointments, holdings.appointments, Some(BulkKind::Appointments)),
        (texts.transfer_bookings, holdings.bookings, None),
        (texts.transfer_journal_entries, holdings.journal_entries, Some(BulkKind::JournalEntries)),
        (texts.transfer_consents, holdings.consents, Some(BulkKind::Consents)),
        (texts.transfer_messages, holdings.messages, Some(BulkKind::Messages)),
        (texts.transfer_files, holdings.files, None),
        (texts.transfer_services, holdings.services, Some(BulkKind::Services)),
    ];
    let (problem, _) = crate::components::forms::field_problem(error, "kinds");
    view! {
        <section class="panel" aria-labelledby="transfer-clean-title">
            <h2 id="transfer-clean-title">{texts.transfer_step_clean}</h2>
            <p>{texts.transfer_clean_intro}</p>
            <table class="holdings" id="holdings">
                <caption class="visually-hidden">{texts.transfer_step_clean}</caption>
                <tbody>
                    {rows
                        .iter()
                        .map(|(label, count, _)| {
                            view! {
                                <tr>
                                    <th scope="row">{*label}</th>
                                    <td>{*count}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <ActionForm action=delete attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <fieldset class="choices" aria-describedby="kinds-error">
                    <legend>{texts.transfer_delete_which}</legend>
                    {rows
                        .into_iter()
                        .filter_map(|(label, count, kind)| kind.map(|kind| (label, count, kind)))
                        .map(|(label, count, kind)| {
                            let name = kind.field();
                            view! {
                                <div class="field check">
                                    <input id=format!("delete-{name}") name=name type="checkbox" value="on" />
                                    <label for=format!("delete-{name}")>{format!("{label} ({count})")}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                    <p class="hint">{texts.transfer_delete_hint}</p>
                    <p class="field-error" id="kinds-error">
                        {move || problem.get().map(|p| p.message(texts))}
                    </p>
                </fieldset>
                <Field
                    label=texts.current_password
                    name="password"
                    id="delete-password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <Submit action=delete label=texts.transfer_delete />
            </ActionForm>
        </section>
    }
}

/// Step 3: the new owner's login, and where its confirmation stands.
#[component]
fn NewLogin(
    pending: Option<PendingTransfer>,
    start: ServerAction<StartTransfer>,
    cancel: ServerAction<CancelTransfer>,
) -> impl IntoView {
    let texts = t();
    let error = action_error(start);
    view! {
        <section class="panel" aria-labelledby="transfer-login-title">
            <h2 id="transfer-login-title">{texts.transfer_step_login}</h2>
            {pending
                .map(|pending| {
                    let said = if pending.confirmed { texts.transfer_confirmed } else { texts.transfer_waiting };
                    view! {
                        <div class="notice" role="status" id="transfer-pending">
                            <p>{said.replace("{name}", &pending.new_name).replace("{email}", &pending.new_email)}</p>
                            <ActionForm action=cancel>
                                <button type="submit" class="secondary">
                                    {texts.transfer_cancel}
                                </button>
                            </ActionForm>
                        </div>
                    }
                })}
            <p>{texts.transfer_login_intro}</p>
            <ActionForm action=start attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field label=texts.transfer_new_name name="new_name" autocomplete="off" error />
                <Field label=texts.transfer_new_email name="new_email" kind="email" autocomplete="off" error />
                <Field
                    label=texts.transfer_temporary_password
                    name="temporary_password"
                    kind="password"
                    autocomplete="new-password"
                    hint=texts.transfer_temporary_hint
                    error
                />
                <Field
                    label=texts.current_password
                    name="password"
                    id="login-password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <Submit action=start label=texts.transfer_send_link />
            </ActionForm>
        </section>
    }
}

/// Step 4: the checklist and the hand-over, once the new owner has confirmed.
#[component]
fn HandOver(pending: Option<PendingTransfer>, complete: ServerAction<CompleteTransfer>) -> impl IntoView {
    let texts = t();
    let error = action_error(complete);
    let confirmed = pending.as_ref().is_some_and(|p| p.confirmed);
    view! {
        <section class="panel danger-zone" aria-labelledby="transfer-handover-title">
            <h2 id="transfer-handover-title">{texts.transfer_step_handover}</h2>
            <p>{texts.transfer_handover_intro}</p>
            {if confirmed {
                view! {
                    <ActionForm action=complete attr:class="stack" attr:novalidate=true>
                        <FormMessage error />
                        <Checkbox label=texts.transfer_check_exported.to_string() name="exported" error />
                        <Checkbox label=texts.transfer_check_cleaned.to_string() name="cleaned_up" error />
                        <Checkbox label=texts.transfer_check_told.to_string() name="told" error />
                        <Field
                            label=texts.current_password
                            name="password"
                            id="handover-password"
                            kind="password"
                            autocomplete="current-password"
                            error
                        />
                        <Submit action=complete label=texts.transfer_handover />
                    </ActionForm>
                }
                    .into_any()
            } else {
                view! {
                    <p class="hint" id="handover-waiting">
                        {texts.transfer_handover_waiting}
                    </p>
                }
                    .into_any()
            }}
        </section>
    }
}

/// The link mailed to the new owner: the button confirms (a POST, so a mail scanner that fetches
/// the link confirms nothing).
#[component]
pub fn ConfirmTransferPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<ConfirmTransfer>::new();
    let error = action_error(action);
    let query = use_query_map();
    let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
    // With JavaScript the answer's redirect stays on this page: the query changes, not the page.
    let confirmed = move || query.with(|q| q.get("confirmed").is_some());
    view! {
        <PublicFrame title=texts.confirm_transfer_title>
            <Show
                when=confirmed
                fallback=move || {
                    let token = token.clone();
                    view! {
                        <p>{texts.confirm_transfer_intro}</p>
                        <ActionForm action=action attr:class="stack">
                            <FormMessage error />
                            <input type="hidden" name="token" value=token />
                            <Submit action label=texts.confirm_transfer_submit />
                        </ActionForm>
                    }
                }
            >
                <p class="notice" role="status">
                    {texts.confirm_transfer_done}
                </p>
            </Show>
        </PublicFrame>
    }
}
