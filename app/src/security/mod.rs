//! Settings → Security (`/settings/security`): current sessions, password, automatic logout and
//! two-factor security (the seed's four parts, in its order), and the security log, with an
//! index of the sections at the top (a side list on wide screens).

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::FreshSignIn;
use crate::auth::api::ConfirmPassword;
use crate::components::forms::{Field, FormMessage, Submit, action_error};
use crate::dates;
use crate::i18n::{t, use_lang};
use crate::times::{ago, duration_label};
use api::{
    ChangePassword, NotMe, RevokeOtherSessions, RevokeSession, SetIdleTimeout, account_security, list_sessions,
    security_log,
};
use types::{IDLE_CHOICES_MINUTES, SecuritySettings, SessionView};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let texts = t();
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let not_me = ServerAction::<NotMe>::new();
    let confirm = ServerAction::<ConfirmPassword>::new();
    let set_idle = ServerAction::<SetIdleTimeout>::new();
    let change_password = ServerAction::<ChangePassword>::new();
    // Reload what the page shows whenever one of the actions has run.
    let changes = move || {
        [
            revoke.version(),
            revoke_others.version(),
            not_me.version(),
            confirm.version(),
            set_idle.version(),
            change_password.version(),
        ]
        .map(|version| version.get())
    };
    let sessions = Resource::new_blocking(changes, |_| list_sessions());
    let log = Resource::new_blocking(changes, |_| security_log());
    let settings = Resource::new_blocking(changes, |_| account_security());
    let error = Signal::derive(move || {
        action_error(revoke).get().or_else(|| action_error(revoke_others).get()).or_else(|| action_error(not_me).get())
    });
    let not_me_notice = use_query_map().with_untracked(|q| q.get("not_me").is_some());
    let lang = use_lang();
    let index = [
        ("#sessions", texts.sessions_title),
        ("#password", texts.password_title),
        ("#logout", texts.logout_title),
        ("#two-factor", texts.two_factor_title),
        ("#log", texts.log_title),
    ];

    view! {
        <Title text=format!("{} · Trygg", texts.settings_security) />
        <h1>{texts.settings_security}</h1>
        {not_me_notice
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        {texts.not_me_done}
                    </p>
                }
            })}
        <FormMessage error />
        <div class="indexed">
            <nav class="page-index" aria-labelledby="page-index-heading">
                <h2 id="page-index-heading">{texts.security_index}</h2>
                <ol>
                    // The browser jumps to the section itself (`rel="external"` keeps the router out),
                    // so the keyboard carries on from there too.
                    {index
                        .map(|(href, label)| {
                            view! {
                                <li>
                                    <a href=href rel="external">
                                        {label}
                                    </a>
                                </li>
                            }
                        })}
                </ol>
            </nav>
            <div class="indexed-sections">

                <section class="panel" id="sessions" aria-labelledby="sessions-heading">
                    <h2 id="sessions-heading">{texts.sessions_title}</h2>
                    <p class="hint">{texts.sessions_intro}</p>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match sessions.await {
                                Ok(list) => {
                                    view! {
                                        {(list.len() > 1)
                                            .then(|| {
                                                view! {
                                                    <ActionForm action=revoke_others attr:class="revoke-others">
                                                        <button type="submit" class="secondary">
                                                            {texts.sessions_revoke_others}
                                                        </button>
                                                    </ActionForm>
                                                }
                                            })}
                                        <ul class="sessions">
                                            {list
                                                .into_iter()
                                                .map(|s| view! { <SessionItem session=s revoke not_me /> })
                                                .collect_view()}
                                        </ul>
                                    }
                                        .into_any()
                                }
                                Err(_) => view! { <p class="error">{texts.err_internal}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>

                <PasswordSection action=change_password />

                <section class="panel" id="logout" aria-labelledby="logout-heading">
                    <h2 id="logout-heading">{texts.logout_title}</h2>
                    <p class="hint">{texts.logout_intro}</p>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match settings.await {
                                Ok(settings) => view! { <LogoutSetting settings confirm set_idle /> }.into_any(),
                                Err(_) => view! { <p class="error">{texts.err_internal}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>

                <crate::two_factor::TwoFactorSection confirm />

                <section class="panel" id="log" aria-labelledby="log-heading">
                    <h2 id="log-heading">{texts.log_title}</h2>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match log.await {
                                Ok(events) if events.is_empty() => {
                                    view! { <p class="empty">{texts.log_empty}</p> }.into_any()
                                }
                                Ok(events) => {
                                    view! {
                                        <ol class="events">
                                            {events
                                                .into_iter()
                                                .map(|event| {
                                                    view! {
                                                        <li class="event">
                                                            <span class="what">{event.kind.label(texts)}</span>
                                                            <span class="when">
                                                                {dates::moment(lang, &event.at)} " · "
                                                                {ago(event.secs_ago, texts)}
                                                            </span>
                                                            <span class="where">
                                                                {format!(
                                                                    "{} · {}",
                                                                    event.device.describe(texts),
                                                                    event.ip,
                                                                )}
                                                            </span>
                                                            {(!event.by.is_empty())
                                                                .then(|| {
                                                                    view! {
                                                                        <span class="by">
                                                                            {texts.log_by} " " {event.by.clone()}
                                                                        </span>
                                                                    }
                                                                })}
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ol>
                                    }
                                        .into_any()
                                }
                                Err(_) => view! { <p class="error">{texts.err_internal}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            </div>
        </div>
    }
}

#[component]
fn SessionItem(
    session: SessionView,
    revoke: ServerAction<RevokeSession>,
    not_me: ServerAction<NotMe>,
) -> impl IntoView {
    let texts = t();
    let (revoke_id, not_me_id) = (session.id.to_string(), session.id.to_string());
    view! {
        <li class="session" class:current=session.this_device>
            <div class="session-device">
                <strong>{session.device.describe(texts)}</strong>
                <span class="kind">{session.device.kind_label(texts)}</span>
                {session.this_device.then(|| view! { <span class="badge">{texts.sessions_this_device}</span> })}
            </div>
            <dl class="session-facts">
                <dt>{texts.sessions_ip}</dt>
                <dd>{session.ip.clone()}</dd>
                <dt>{texts.sessions_signed_in}</dt>
                <dd>{ago(session.signed_in_secs_ago, texts)}</dd>
                <dt>{texts.sessions_last_active}</dt>
                <dd>{ago(session.active_secs_ago, texts)}</dd>
            </dl>
            {(!session.this_device)
                .then(move || {
                    view! {
                        <div class="session-actions">
                            <ActionForm action=revoke>
                                <input type="hidden" name="id" value=revoke_id />
                                <button type="submit" class="secondary">
                                    {texts.sessions_revoke}
                                </button>
                            </ActionForm>
                            <ActionForm action=not_me>
                                <input type="hidden" name="id" value=not_me_id />
                                <button type="submit" class="danger">
                                    {texts.sessions_not_me}
                                </button>
                            </ActionForm>
                        </div>
                    }
                })}
        </li>
    }
}

/// The idle-time choice, behind a password confirmation when the last one is too old.
#[component]
fn LogoutSetting(
    settings: SecuritySettings,
    confirm: ServerAction<ConfirmPassword>,
    set_idle: ServerAction<SetIdleTimeout>,
) -> impl IntoView {
    let texts = t();
    let set_error = action_error(set_idle);
    let problem = Memo::new(move |_| set_error.get().and_then(|e| e.for_field("minutes")));
    let saved = move || matches!(set_idle.value().get(), Some(Ok(())));
    let current = settings.idle_timeout_minutes;
    view! {
        {(!settings.fresh).then(|| view! { <FreshSignIn confirm id="logout-password" /> })}
        <ActionForm action=set_idle attr:class="stack logout-form">
            <FormMessage error=set_error />
            <div class="field" class:invalid=move || problem.get().is_some()>
                <label for="minutes">{texts.logout_label}</label>
                <select id="minutes" name="minutes" aria-describedby="minutes-error" disabled=!settings.fresh>
                    {IDLE_CHOICES_MINUTES
                        .into_iter()
                        .map(|minutes| {
                            view! {
                                <option value=minutes.to_string() selected=minutes == current>
                                    {duration_label(minutes, texts)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p class="field-error" id="minutes-error">
                    {move || problem.get().map(|p| p.message(texts))}
                </p>
            </div>
            <div class="row">
                <Submit action=set_idle label=texts.logout_save />
                <span class="saved" role="status">
                    {move || saved().then_some(texts.logout_saved)}
                </span>
            </div>
        </ActionForm>
    }
}

/// Current password and a new one, with a strength meter that follows the typing.
#[component]
fn PasswordSection(action: ServerAction<ChangePassword>) -> AnyView {
    use crate::auth::types::password_strength;
    let texts = t();
    let error = action_error(action);
    let strength = RwSignal::new(0u8);
    // The meter needs JavaScript to follow the typing; without it, it is not shown at all.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let new_problem = Memo::new(move |_| error.get().and_then(|e| e.for_field("new_password")));
    // After a change the server sends the browser here with `?changed=password` (which is all a
    // page without JavaScript gets to know).
    let query = use_query_map();
    let changed = move || {
        matches!(action.value().get(), Some(Ok(()))) || query.with(|q| q.get("changed").as_deref() == Some("password"))
    };
    let strength_text = move || {
        [texts.strength_0, texts.strength_1, texts.strength_2, texts.strength_3, texts.strength_4]
            [usize::from(strength.get().min(4))]
    };
    let meter = move || {
        live.get().then(|| {
            view! {
                <meter min="0" max="4" low="2" high="3" optimum="4" value=move || strength.get().to_string()></meter>
                <span>{texts.strength_label} ": " {strength_text}</span>
            }
        })
    };

    view! {
        <section class="panel" id="password" aria-labelledby="password-heading">
            <h2 id="password-heading">{texts.password_title}</h2>
            <p class="hint">{texts.password_intro}</p>
            {move || {
                changed()
                    .then(|| {
                        view! {
                            <p class="notice" role="status">
                                {texts.password_changed}
                            </p>
                        }
                    })
            }}
            <ActionForm action attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field
                    label=texts.current_password
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <div class="field" class:invalid=move || new_problem.get().is_some()>
                    <label for="new_password">{texts.new_password}</label>
                    <input
                        id="new_password"
                        name="new_password"
                        type="password"
                        autocomplete="new-password"
                        aria-describedby="new_password-hint new_password-strength new_password-error"
                        aria-invalid=move || if new_problem.get().is_some() { "true" } else { "false" }
                        on:input=move |ev| strength.set(password_strength(&event_target_value(&ev)))
                    />
                    <p class="hint" id="new_password-hint">
                        {texts.password_hint}
                    </p>
                    <div class="strength" id="new_password-strength" aria-live="polite">
                        {meter}
                    </div>
                    <p class="field-error" id="new_password-error">
                        {move || new_problem.get().map(|p| p.message(texts))}
                    </p>
                </div>
                <Submit action label=texts.password_save />
            </ActionForm>
        </section>
    }
    .into_any()
}
