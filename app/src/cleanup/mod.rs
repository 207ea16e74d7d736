//! Cleanup ("Opprydning", Settings → Cleanup): clients and all their data deleted automatically a
//! set time after their last activity. The page sets it, previews who goes at the next run and
//! within 30 days after it, keeps clients on hold, and shows the deletion log (counts only).
//! Plain forms: it works the same without JavaScript.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::clients::types::{DeletionCause, DeletionLogEntry};
use crate::components::forms::{Field, FormMessage, Submit, action_error, field_problem, page_error};
use crate::dates;
use crate::error::AppError;
use crate::i18n::{Texts, t, use_lang};
use api::{HoldClient, ReleaseHold, SaveCleanup, get_cleanup};
use types::{CleanupChoice, CleanupOverview, Going, Held, OWN_PERIOD, PRESET_MONTHS, in_years};

/// The period in words: "2 years", "18 months".
fn period_text(texts: &Texts, months: u32) -> String {
    match (in_years(months), months) {
        (Some(1), _) => texts.cleanup_year_one.into(),
        (Some(years), _) => texts.cleanup_years.replace("{n}", &years.to_string()),
        (None, 1) => texts.cleanup_month_one.into(),
        (None, months) => texts.cleanup_months_n.replace("{n}", &months.to_string()),
    }
}

/// `/settings/cleanup`.
#[component]
pub fn CleanupPage() -> impl IntoView {
    let texts = t();
    // Every form on the page has its own action; one that succeeds bumps this to load the page again.
    let changed = RwSignal::new(0u32);
    let overview = Resource::new_blocking(move || changed.get(), |_| get_cleanup());
    let saved = RwSignal::new(use_query_map().with_untracked(|q| q.get("saved").is_some()));
    view! {
        <Title text=format!("{} · Trygg", texts.settings_cleanup) />
        <h1>{texts.settings_cleanup}</h1>
        <p class="hint">{texts.cleanup_intro}</p>
        {move || {
            saved
                .get()
                .then(|| {
                    view! {
                        <p class="notice" role="status">
                            {texts.cleanup_saved}
                        </p>
                    }
                })
        }}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview changed saved /> }.into_any(),
                    Err(error) => page_error(&error, texts),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(overview: CleanupOverview, changed: RwSignal<u32>, saved: RwSignal<bool>) -> impl IntoView {
    let texts = t();
    let CleanupOverview { choice, next_run, at_next_run, soon, held, log } = overview;
    let lang = use_lang();
    let state = if choice.enabled {
        texts.cleanup_state_on.replace("{period}", &period_text(texts, choice.months))
    } else {
        texts.cleanup_state_off.into()
    };
    let when = if choice.enabled {
        texts.cleanup_next_run.replace("{when}", &dates::moment(lang, &next_run))
    } else {
        texts.cleanup_preview_off.into()
    };
    view! {
        <section class="panel" id="setting">
            <p class="cleanup-state" data-testid="cleanup-state">
                <strong>{state}</strong>
            </p>
            <SettingForm choice changed saved />
        </section>
        <section id="preview" class="cleanup-section">
            <h2>{texts.cleanup_preview}</h2>
            <p class="hint">{when}</p>
            <h3>{texts.cleanup_at_next_run}</h3>
            <GoingList list=at_next_run changed testid="at-next-run" />
            <h3>{texts.cleanup_soon}</h3>
            <GoingList list=soon changed testid="soon" />
        </section>
        <section id="held" class="cleanup-section">
            <h2>{texts.cleanup_held}</h2>
            <p class="hint">{texts.cleanup_held_intro}</p>
            <HeldList list=held changed />
        </section>
        <section id="log" class="cleanup-section">
            <h2>{texts.cleanup_log}</h2>
            <p class="hint">{texts.cleanup_log_intro}</p>
            <DeletionLog log />
        </section>
    }
}

/// On or off, the period (named years or a number of months), and the confirmation a period
/// under 10 years needs.
#[component]
fn SettingForm(choice: CleanupChoice, changed: RwSignal<u32>, saved: RwSignal<bool>) -> impl IntoView {
    let texts = t();
    let save = ServerAction::<SaveCleanup>::new();
    reload_on_success(save, changed);
    Effect::new(move |_| {
        if save.pending().get() {
            saved.set(false);
        } else if save.value().with(|value| matches!(value, Some(Ok(())))) {
            saved.set(true);
        }
    });
    let error = action_error(save);
    let (period_problem, period_changed) = field_problem(error, "period");
    let (confirm_problem, confirm_changed) = field_problem(error, "confirmed");
    let own = !PRESET_MONTHS.contains(&choice.months);
    let options = PRESET_MONTHS
        .into_iter()
        .map(move |months| (months.to_string(), period_text(texts, months), !own && months == choice.months))
        .chain([(OWN_PERIOD.to_string(), texts.cleanup_own_period.to_string(), own)]);
    view! {
        <ActionForm action=save attr:class="stack" attr:novalidate=true>
            <FormMessage error />
            <div class="field check">
                <input id="enabled" name="enabled" type="checkbox" value="on" checked=choice.enabled />
                <label for="enabled">{texts.cleanup_enabled}</label>
            </div>
            <div class="field" class:invalid=move || period_problem.get().is_some()>
                <label for="period">{texts.cleanup_period}</label>
                <select id="period" name="period" aria-describedby="period-error" on:change=period_changed>
                    {options
                        .map(|(value, label, selected)| {
                            view! {
                                <option value=value selected=selected>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p class="field-error" id="period-error">
                    {move || period_problem.get().map(|p| p.message(texts))}
                </p>
            </div>
            <Field
                label=texts.cleanup_months
                name="months"
                error
                kind="number"
                inputmode="numeric"
                hint=texts.cleanup_months_hint
                value=if own { choice.months.to_string() } else { String::new() }
            />
            <p class="notice legal" id="legal">
                {texts.cleanup_legal}
            </p>
            <div class="field check" class:invalid=move || confirm_problem.get().is_some()>
                <input
                    id="confirmed"
                    name="confirmed"
                    type="checkbox"
                    value="on"
                    aria-describedby="legal confirmed-error"
                    on:change=confirm_changed
                />
                <label for="confirmed">{texts.cleanup_confirm}</label>
                <p class="field-error" id="confirmed-error">
                    {move || confirm_problem.get().map(|p| p.message(texts))}
                </p>
            </div>
            <Submit action=save label=texts.cleanup_save />
        </ActionForm>
    }
}

#[component]
fn GoingList(list: Vec<Going>, changed: RwSignal<u32>, testid: &'static str) -> impl IntoView {
    let texts = t();
    let lang = use_lang();
    if list.is_empty() {
        return view! {
            <p class="hint" data-testid=testid>
                {texts.cleanup_none}
            </p>
        }
        .into_any();
    }
    view! {
        <ul class="cleanup-list" data-testid=testid>
            {list
                .into_iter()
                .map(|going| {
                    view! {
                        <li>
                            <a class="name" href=format!("/clients/{}", going.id)>
                                {going.name.clone()}
                            </a>
                            <dl class="facts">
                                <dt>{texts.cleanup_col_last_activity}</dt>
                                <dd>{dates::long_date_of(lang, &going.last_activity)}</dd>
                                <dt>{texts.cleanup_col_deletes_on}</dt>
                                <dd>{dates::long_date_of(lang, &going.deletes_on)}</dd>
                            </dl>
                            <HoldForm going changed />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// "Keep this client", with the reason, folded until asked for.
#[component]
fn HoldForm(going: Going, changed: RwSignal<u32>) -> impl IntoView {
    let texts = t();
    let hold = ServerAction::<HoldClient>::new();
    reload_on_success(hold, changed);
    let error = action_error(hold);
    let id = going.id;
    let (problem, typed) = field_problem(error, "reason");
    // Open when the page comes back with this form's error (a form sent without JavaScript);
    // after that, the person opens and closes it.
    let opened = problem.get_untracked().is_some();
    let field = format!("reason-{id}");
    let error_id = format!("reason-{id}-error");
    view! {
        <details class="hold" open=opened>
            <summary>{texts.cleanup_keep}</summary>
            <ActionForm action=hold attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <input type="hidden" name="client_id" value=id.to_string() />
                <div class="field" class:invalid=move || problem.get().is_some()>
                    <label for=field.clone()>{texts.cleanup_reason.replace("{name}", &going.name)}</label>
                    <input
                        id=field
                        name="reason"
                        type="text"
                        autocomplete="off"
                        aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
                        aria-describedby=error_id.clone()
                        on:input=typed
                    />
                    <p class="field-error" id=error_id>
                        {move || problem.get().map(|p| p.message(texts))}
                    </p>
                </div>
                <Submit action=hold label=texts.cleanup_hold />
            </ActionForm>
        </details>
    }
}

#[component]
fn HeldList(list: Vec<Held>, changed: RwSignal<u32>) -> impl IntoView {
    let texts = t();
    let lang = use_lang();
    if list.is_empty() {
        return view! {
            <p class="hint" data-testid="held">
                {texts.cleanup_none}
            </p>
        }
        .into_any();
    }
    view! {
        <ul class="cleanup-list" data-testid="held">
            {list
                .into_iter()
                .map(|held| {
                    let release = ServerAction::<ReleaseHold>::new();
                    reload_on_success(release, changed);
                    view! {
                        <li>
                            <a class="name" href=format!("/clients/{}", held.id)>
                                {held.name.clone()}
                            </a>
                            <dl class="facts">
                                <dt>{texts.cleanup_col_reason}</dt>
                                <dd>{held.reason}</dd>
                                <dt>{texts.cleanup_col_last_activity}</dt>
                                <dd>{dates::long_date_of(lang, &held.last_activity)}</dd>
                                <dt>{texts.cleanup_col_since}</dt>
                                <dd>{dates::long_date_of(lang, &held.since)}</dd>
                            </dl>
                            <ActionForm action=release>
                                <FormMessage error=action_error(release) />
                                <input type="hidden" name="client_id" value=held.id.to_string() />
                                <button type="submit" class="secondary">
                                    {texts.cleanup_release.replace("{name}", &held.name)}
                                </button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn DeletionLog(log: Vec<DeletionLogEntry>) -> impl IntoView {
    let texts = t();
    let lang = use_lang();
    if log.is_empty() {
        return view! {
            <p class="hint" data-testid="deletion-log">
                {texts.cleanup_log_empty}
            </p>
        }
        .into_any();
    }
    view! {
        <div class="scroll-x" tabindex="0" role="region" aria-label=texts.cleanup_log>
            <table class="audit deletion-log" data-testid="deletion-log">
                <thead>
                    <tr>
                        <th scope="col">{texts.cleanup_col_when}</th>
                        <th scope="col">{texts.cleanup_col_cause}</th>
                        <th scope="col">{texts.cleanup_col_clients}</th>
                        <th scope="col">{texts.cleanup_col_appointments}</th>
                        <th scope="col">{texts.cleanup_col_journal}</th>
                        <th scope="col">{texts.cleanup_col_consents}</th>
                        <th scope="col">{texts.cleanup_col_messages}</th>
                        <th scope="col">{texts.cleanup_col_files}</th>
                    </tr>
                </thead>
                <tbody>
                    {log
                        .into_iter()
                        .map(|line| {
                            let cause = match line.cause {
                                DeletionCause::Retention => texts.cleanup_cause_retention,
                                DeletionCause::ByHand => texts.cleanup_cause_by_hand,
                            };
                            let n = line.counts;
                            view! {
                                <tr>
                                    <td>{dates::moment(lang, &line.when)}</td>
                                    <td>{cause}</td>
                                    <td>{line.clients}</td>
                                    <td>{n.appointments}</td>
                                    <td>{n.journal_entries}</td>
                                    <td>{n.consents}</td>
                                    <td>{n.messages}</td>
                                    <td>{n.files}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Loads the page again once `action` succeeds.
fn reload_on_success<S>(action: ServerAction<S>, changed: RwSignal<u32>)
where
    S: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Send + Sync + Clone + 'static,
{
    Effect::new(move |_| {
        if action.value().with(|value| matches!(value, Some(Ok(())))) {
            changed.update(|n| *n += 1);
        }
    });
}
