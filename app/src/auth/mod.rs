//! Accounts: sign up, verify the email address, log in, log out; and the development outbox.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{Field, FormMessage, Submit, action_error};
use crate::components::layout::PublicFrame;
use crate::i18n::t;
use api::{ConfirmPassword, LogIn, RequestPasswordReset, ResetPassword, SignUp, VerifyEmail, dev_outbox};

#[component]
pub fn LoginPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<LogIn>::new();
    let error = action_error(action);
    let query = use_query_map();
    let notice = move || {
        query.with(|q| match q.get("reason").as_deref() {
            Some("idle") => Some(texts.reason_idle),
            Some("expired") => Some(texts.reason_expired),
            Some("signed_out") => Some(texts.reason_signed_out),
            Some("verified") => Some(texts.reason_verified),
            Some("password_reset") => Some(texts.reason_password_reset),
            Some("code_expired") => Some(texts.reason_code_expired),
            Some("email_changed") => Some(texts.reason_email_changed),
            Some("email_reverted") => Some(texts.reason_email_reverted),
            Some("transferred") => Some(texts.reason_transferred),
            Some("choose_password") => Some(texts.reason_choose_password),
            _ => None,
        })
    };
    view! {
        <PublicFrame title=texts
            .login_title>
            {move || {
                notice()
                    .map(|text| {
                        view! {
                            <p class="notice" role="status">
                                {text}
                            </p>
                        }
                    })
            }} <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field label=texts.email name="email" kind="email" autocomplete="username" error />
                <Field label=texts.password name="password" kind="password" autocomplete="current-password" error />
                <Submit action label=texts.login_submit />
            </ActionForm> <p class="alt">
                <a href="/forgot-password">{texts.forgot_link}</a>
            </p> <p class="alt">{texts.no_account} " " <a href="/signup">{texts.signup_link}</a></p>
        </PublicFrame>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);
    view! {
        <PublicFrame title=texts.signup_title>
            <p>{texts.signup_intro}</p>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field label=texts.practice_name name="practice_name" autocomplete="organization" error />
                <Field label=texts.your_name name="name" autocomplete="name" error />
                <Field label=texts.email name="email" kind="email" autocomplete="email" error />
                <Field
                    label=texts.password
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint=texts.password_hint
                    error
                />
                <Submit action label=texts.signup_submit />
            </ActionForm>
            <p class="alt">{texts.have_account} " " <a href="/login">{texts.login_link}</a></p>
        </PublicFrame>
    }
}

#[component]
pub fn SignUpSentPage() -> impl IntoView {
    let texts = t();
    view! {
        <PublicFrame title=texts.signup_sent_title>
            <p>{texts.signup_sent_body}</p>
            <p class="alt">
                <a href="/login">{texts.login_link}</a>
            </p>
        </PublicFrame>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<VerifyEmail>::new();
    let error = action_error(action);
    let token = use_query_map().with_untracked(|q| q.get("token").unwrap_or_default());
    view! {
        <PublicFrame title=texts.verify_title>
            <p>{texts.verify_intro}</p>
            <ActionForm action=action attr:class="stack">
                <FormMessage error />
                <input type="hidden" name="token" value=token />
                <Submit action label=texts.verify_submit />
            </ActionForm>
        </PublicFrame>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action);
    view! {
        <PublicFrame title=texts.forgot_title>
            <p>{texts.forgot_intro}</p>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field label=texts.email name="email" kind="email" autocomplete="username" error />
                <Submit action label=texts.forgot_submit />
            </ActionForm>
            <p class="alt">
                <a href="/login">{texts.login_link}</a>
            </p>
        </PublicFrame>
    }
}

#[component]
pub fn ForgotPasswordSentPage() -> impl IntoView {
    let texts = t();
    view! {
        <PublicFrame title=texts.forgot_sent_title>
            <p>{texts.forgot_sent_body}</p>
            <p class="alt">
                <a href="/login">{texts.login_link}</a>
            </p>
        </PublicFrame>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    let (token, first) =
        use_query_map().with_untracked(|q| (q.get("token").unwrap_or_default(), q.get("first").is_some()));
    view! {
        <PublicFrame title=texts.reset_title>
            <p>{if first { texts.reset_intro_first } else { texts.reset_intro }}</p>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <input type="hidden" name="token" value=token />
                <Field
                    label=texts.new_password
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    hint=texts.password_hint
                    error
                />
                <Submit action label=texts.reset_submit />
            </ActionForm>
        </PublicFrame>
    }
}

/// Development only: the mail Trygg would have sent. The server answers "not found" elsewhere.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let texts = t();
    let mails = Resource::new_blocking(|| (), |_| dev_outbox());
    view! {
        <Title text=texts.outbox_title />
        <main id="main" class="page outbox">
            <h1>{texts.outbox_title}</h1>
            <p class="hint">{texts.outbox_note}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match mails.await {
                        Ok(mails) if mails.is_empty() => view! { <p class="empty">{texts.outbox_empty}</p> }.into_any(),
                        Ok(mails) => {
                            view! {
                                <ol class="mails">
                                    {mails
                                        .into_iter()
                                        .map(|mail| {
                                            view! {
                                                <li class="mail">
                                                    <p class="to">{mail.recipient}</p>
                                                    <h2 class="subject">{mail.subject}</h2>
                                                    <MailBody body=mail.body />
                                                    {(!mail.attachments.is_empty())
                                                        .then(|| {
                                                            view! {
                                                                <ul class="attachments" aria-label=texts.outbox_attachments>
                                                                    {mail
                                                                        .attachments
                                                                        .lines()
                                                                        .map(|name| view! { <li>{name.to_string()}</li> })
                                                                        .collect_view()}
                                                                </ul>
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
                        Err(error) => {
                            error.set_page_status();
                            view! { <p class="error">{texts.err_not_found}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

/// A mail body as text, with its links clickable.
#[component]
fn MailBody(body: String) -> impl IntoView {
    let lines = body
        .lines()
        .map(|line| {
            if line.starts_with("http://") || line.starts_with("https://") {
                let href = line.to_string();
                view! {
                    <a href=href>{line.to_string()}</a>
                    <br />
                }
                .into_any()
            } else {
                view! {
                    {line.to_string()}
                    <br />
                }
                .into_any()
            }
        })
        .collect_view();
    view! { <p class="body">{lines}</p> }
}

/// The cookie that carries a login between the password and the code step. Not a session.
#[cfg(feature = "ssr")]
pub fn challenge_cookie_name(state: &crate::server::state::AppState) -> String {
    if state.config.is_https() { "__Host-trygg_login".into() } else { "trygg_login".into() }
}

/// Sets the challenge cookie, or clears it with `None`. `SameSite=Strict`: only this site's own
/// pages can send it.
#[cfg(feature = "ssr")]
pub fn challenge_cookie(state: &crate::server::state::AppState, token: Option<&str>) -> String {
    let secure = if state.config.is_https() { "; Secure" } else { "" };
    let (value, max_age) = match token {
        Some(token) => (token, crate::two_factor::service::CHALLENGE_LIFETIME_SECS),
        None => ("", 0),
    };
    format!("{}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}", challenge_cookie_name(state))
}

/// Asks for the password again before a sensitive change. `id` tells apart the prompts of the
/// page's several sections.
#[component]
pub fn FreshSignIn(confirm: ServerAction<ConfirmPassword>, id: &'static str) -> impl IntoView {
    let texts = t();
    let error = action_error(confirm);
    view! {
        <div class="fresh-sign-in">
            <h3>{texts.fresh_title}</h3>
            <p class="hint">{texts.fresh_intro}</p>
            <ActionForm action=confirm attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field label=texts.password name="password" id kind="password" autocomplete="current-password" error />
                <Submit action=confirm label=texts.fresh_submit />
            </ActionForm>
        </div>
    }
}
