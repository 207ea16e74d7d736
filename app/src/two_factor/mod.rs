//! Two-factor security: the Security page's part (set-up wizard, recovery codes, turning it off)
//! and the login's code step.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod totp;
pub mod types;

use leptos::prelude::*;

use crate::auth::FreshSignIn;
use crate::auth::api::{ConfirmPassword, LogInCode};
use crate::components::forms::{Field, FormMessage, Submit, action_error};
use crate::components::layout::PublicFrame;
use crate::i18n::t;
use crate::times::ago;
use api::{BeginTwoFactor, DisableTwoFactor, EnableTwoFactor, RenewRecoveryCodes, two_factor_state};
use types::{AUTHENTICATOR_APPS, SetupView, TwoFactorStatus};

/// `/login/code`: the second step of a login for an account with two-factor.
#[component]
pub fn LoginCodePage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<LogInCode>::new();
    let error = action_error(action);
    view! {
        <PublicFrame title=texts.code_title>
            <p>{texts.code_intro}</p>
            <ActionForm action attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field label=texts.code_label name="code" autocomplete="one-time-code" hint=texts.code_hint error />
                <Submit action label=texts.code_submit />
            </ActionForm>
            <p class="alt">
                <a href="/login/lost-2fa">{texts.lost_2fa_link}</a>
            </p>
            <p class="alt">
                <a href="/login">{texts.code_start_over}</a>
            </p>
        </PublicFrame>
    }
}

/// The Security page's two-factor part.
#[component]
pub fn TwoFactorSection(confirm: ServerAction<ConfirmPassword>) -> AnyView {
    let texts = t();
    let begin = ServerAction::<BeginTwoFactor>::new();
    let enable = ServerAction::<EnableTwoFactor>::new();
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let status = Resource::new_blocking(
        move || (confirm.version().get(), enable.version().get(), renew.version().get(), disable.version().get()),
        |_| two_factor_state(),
    );
    // Recovery codes just made: shown once, until the owner says they are saved.
    let new_codes = RwSignal::new(None::<Vec<String>>);
    Effect::new(move |_| {
        if let Some(Ok(codes)) = enable.value().get() {
            new_codes.set(Some(codes));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(codes)) = renew.value().get() {
            new_codes.set(Some(codes));
        }
    });
    view! {
        <section class="panel" id="two-factor" aria-labelledby="two-factor-heading">
            <h2 id="two-factor-heading">{texts.two_factor_title}</h2>
            <p class="hint">{texts.two_factor_intro}</p>
            {move || new_codes.get().map(|codes| view! { <RecoveryCodes codes done=move || new_codes.set(None) /> })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) if status.enabled => {
                            view! { <TwoFactorOn status confirm renew disable /> }.into_any()
                        }
                        Ok(status) => view! { <Wizard status confirm begin enable /> }.into_any(),
                        Err(_) => view! { <p class="error">{texts.err_internal}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
fn Wizard(
    status: TwoFactorStatus,
    confirm: ServerAction<ConfirmPassword>,
    begin: ServerAction<BeginTwoFactor>,
    enable: ServerAction<EnableTwoFactor>,
) -> impl IntoView {
    let texts = t();
    let begin_error = action_error(begin);
    let enable_error = action_error(enable);
    let setup = move || begin.value().get().and_then(Result::ok);
    view! {
        <p class="status-line">
            <span class="badge off">{texts.two_factor_off}</span>
        </p>
        {(!status.fresh).then(|| view! { <FreshSignIn confirm id="two-factor-password" /> })}
        <noscript>
            <p class="notice">{texts.two_factor_needs_js}</p>
        </noscript>
        <ol class="wizard">
            <li>
                <h3>{texts.wizard_step1_title}</h3>
                <p>{texts.wizard_step1_body}</p>
                <p class="apps">{AUTHENTICATOR_APPS.join(" · ")}</p>
            </li>
            <li>
                <h3>{texts.wizard_step2_title}</h3>
                <FormMessage error=begin_error />
                {move || match setup() {
                    Some(setup) => view! { <SetupKey setup /> }.into_any(),
                    None => {
                        view! {
                            <ActionForm action=begin>
                                <button type="submit" class="primary" disabled=!status.fresh>
                                    {texts.wizard_show_qr}
                                </button>
                            </ActionForm>
                        }
                            .into_any()
                    }
                }}
            </li>
            <li>
                <h3>{texts.wizard_step3_title}</h3>
                <ActionForm action=enable attr:class="stack" attr:novalidate=true>
                    <FormMessage error=enable_error />
                    <Field
                        label=texts.code_label_app
                        name="code"
                        id="setup-code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        error=enable_error
                    />
                    <Submit action=enable label=texts.wizard_enable />
                </ActionForm>
            </li>
        </ol>
    }
}

#[component]
fn SetupKey(setup: SetupView) -> impl IntoView {
    let texts = t();
    view! {
        <p>{texts.wizard_step2_body}</p>
        <img
            class="qr"
            src=format!("data:image/png;base64,{}", setup.qr_png_base64)
            alt=texts.wizard_qr_alt
            width="200"
            height="200"
        />
        <p>{texts.wizard_key_label}</p>
        <p>
            <code class="totp-key" data-testid="totp-key">
                {setup.key}
            </code>
        </p>
        <p class="hint">{texts.wizard_account_label} " " {setup.account}</p>
    }
}

#[component]
fn TwoFactorOn(
    status: TwoFactorStatus,
    confirm: ServerAction<ConfirmPassword>,
    renew: ServerAction<RenewRecoveryCodes>,
    disable: ServerAction<DisableTwoFactor>,
) -> impl IntoView {
    let texts = t();
    let renew_error = action_error(renew);
    let disable_error = action_error(disable);
    let since = status.enabled_secs_ago.map(|secs| ago(secs, texts)).unwrap_or_default();
    view! {
        <p class="status-line">
            <span class="badge on">{texts.two_factor_on}</span>
            " "
            {texts.two_factor_since}
            " "
            {since}
        </p>
        <p>{texts.recovery_left.replace("{count}", &status.recovery_codes_left.to_string())}</p>
        {(!status.fresh).then(|| view! { <FreshSignIn confirm id="two-factor-password" /> })}
        <ActionForm action=renew>
            <FormMessage error=renew_error />
            <button type="submit" class="secondary" disabled=!status.fresh>
                {texts.recovery_renew}
            </button>
        </ActionForm>
        <h3>{texts.two_factor_disable_title}</h3>
        <p class="hint">{texts.two_factor_disable_intro}</p>
        <ActionForm action=disable attr:class="stack" attr:novalidate=true>
            <FormMessage error=disable_error />
            <Field
                label=texts.password
                name="password"
                id="disable-password"
                kind="password"
                autocomplete="current-password"
                error=disable_error
            />
            <Field
                label=texts.code_label
                name="code"
                id="disable-code"
                autocomplete="one-time-code"
                error=disable_error
            />
            <button type="submit" class="danger">
                {texts.two_factor_disable}
            </button>
        </ActionForm>
    }
}

/// New recovery codes, shown once: to copy, download or print.
#[component]
fn RecoveryCodes(codes: Vec<String>, done: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let texts = t();
    let download = format!("data:text/plain;charset=utf-8,{}", codes.join("%0A"));
    let copied = RwSignal::new(false);
    let copy_text = codes.join("\n");
    view! {
        <div class="recovery-codes" role="region" aria-label=texts.recovery_title>
            <h3>{texts.recovery_title}</h3>
            <p>{texts.recovery_intro}</p>
            <ol class="codes" data-testid="recovery-codes">
                {codes
                    .into_iter()
                    .map(|code| {
                        view! {
                            <li>
                                <code>{code}</code>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            <div class="row no-print">
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| {
                        copy_to_clipboard(&copy_text);
                        copied.set(true);
                    }
                >
                    {texts.recovery_copy}
                </button>
                <a class="button secondary" href=download download="trygg-recovery-codes.txt">
                    {texts.recovery_download}
                </a>
                <button type="button" class="secondary" on:click=move |_| print_page()>
                    {texts.recovery_print}
                </button>
                <span role="status">{move || copied.get().then_some(texts.recovery_copied)}</span>
            </div>
            <button type="button" class="primary no-print" on:click=move |_| done()>
                {texts.recovery_saved}
            </button>
        </div>
    }
}

fn copy_to_clipboard(_text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().navigator().clipboard().write_text(_text);
    }
}

fn print_page() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().print();
    }
}
