//! Settings → Your profile: the account, the practice's details, and the data processing
//! agreement filled in with them.

#[cfg(feature = "ssr")]
pub mod agreement;
pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

#[cfg(feature = "ssr")]
pub use agreement::routes;

use leptos::prelude::*;
use leptos_meta::Title;

use leptos_router::hooks::use_query_map;

use crate::components::forms::{Field, FormMessage, Submit, TextArea, action_error};
use crate::components::layout::PublicFrame;
use crate::i18n::t;
use api::{
    CancelEmailChange, ConfirmEmailChange, RequestEmailChange, RevertEmailChange, UpdateName, UpdatePractice,
    get_profile,
};
use types::Profile;

pub const AGREEMENT_PATH: &str = "/settings/profile/agreement.pdf";

#[component]
pub fn ProfilePage() -> impl IntoView {
    let texts = t();
    let update = ServerAction::<UpdatePractice>::new();
    let error = action_error(update);
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    let rename = ServerAction::<UpdateName>::new();
    let change_email = ServerAction::<RequestEmailChange>::new();
    let cancel_email = ServerAction::<CancelEmailChange>::new();
    let profile = Resource::new_blocking(
        move || (rename.version().get(), change_email.version().get(), cancel_email.version().get()),
        |_| get_profile(),
    );
    let email_changed = use_query_map().with_untracked(|q| q.get("email").as_deref() == Some("changed"));
    view! {
        <Title text=format!("{} · Trygg", texts.settings_profile) />
        <h1>{texts.settings_profile}</h1>
        {email_changed
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        {texts.reason_email_changed}
                    </p>
                }
            })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => {
                        let practice = profile.practice.clone();
                        view! {
                            <AccountSection profile=profile.clone() rename />
                            <EmailSection profile change_email cancel_email />
                            <section class="panel" aria-labelledby="practice-title">
                                <h2 id="practice-title">{texts.profile_practice}</h2>
                                <ActionForm action=update attr:class="stack" attr:novalidate=true>
                                    <FormMessage error />
                                    <Field
                                        label=texts.profile_practice_name
                                        name="name"
                                        autocomplete="organization"
                                        error
                                        value=practice.name
                                    />
                                    <TextArea
                                        label=texts.profile_practice_address
                                        name="address"
                                        error
                                        value=practice.address
                                        rows=3
                                    />
                                    <Field
                                        label=texts.profile_org_number
                                        name="org_number"
                                        inputmode="numeric"
                                        hint=texts.profile_org_number_hint
                                        error
                                        value=practice.org_number
                                    />
                                    {move || {
                                        saved()
                                            .then(|| {
                                                view! {
                                                    <p class="notice" role="status">
                                                        {texts.profile_saved}
                                                    </p>
                                                }
                                            })
                                    }}
                                    <Submit action=update label=texts.profile_save />
                                </ActionForm>
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error">{error.form_message(texts)}</p> }.into_any(),
                }
            })}
        </Suspense>
        <section class="panel" aria-labelledby="dpa-title">
            <h2 id="dpa-title">{texts.dpa_title}</h2>
            <p>{texts.dpa_intro}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match profile.await {
                        Ok(profile) if profile.agreement_ready => {
                            view! {
                                <p class="actions">
                                    <a
                                        class="button primary"
                                        href=format!("{AGREEMENT_PATH}?lang=nb")
                                        download="databehandleravtale-trygg.pdf"
                                    >
                                        {texts.dpa_download_nb}
                                    </a>
                                    <a
                                        class="button secondary"
                                        href=format!("{AGREEMENT_PATH}?lang=en")
                                        download="data-processing-agreement-trygg.pdf"
                                    >
                                        {texts.dpa_download_en}
                                    </a>
                                </p>
                            }
                                .into_any()
                        }
                        Ok(_) => {
                            view! {
                                <p class="notice" id="dpa-not-ready" role="status">
                                    {texts.dpa_not_ready}
                                </p>
                            }
                                .into_any()
                        }
                        Err(_) => ().into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The account holder's name.
#[component]
fn AccountSection(profile: Profile, rename: ServerAction<UpdateName>) -> impl IntoView {
    let texts = t();
    let error = action_error(rename);
    let saved = move || matches!(rename.value().get(), Some(Ok(_)));
    view! {
        <section class="panel" aria-labelledby="account-title">
            <h2 id="account-title">{texts.profile_account}</h2>
            <ActionForm action=rename attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field
                    label=texts.profile_name
                    name="name"
                    id="account-name"
                    autocomplete="name"
                    error
                    value=profile.name
                />
                {move || {
                    saved()
                        .then(|| {
                            view! {
                                <p class="notice" role="status">
                                    {texts.profile_name_saved}
                                </p>
                            }
                        })
                }}
                <Submit action=rename label=texts.profile_name_save />
            </ActionForm>
        </section>
    }
}

/// The sign-in address: the current one, a change waiting for its link, and the form to ask for
/// one (password, and the code with two-factor on).
#[component]
fn EmailSection(
    profile: Profile,
    change_email: ServerAction<RequestEmailChange>,
    cancel_email: ServerAction<CancelEmailChange>,
) -> impl IntoView {
    let texts = t();
    let error = action_error(change_email);
    view! {
        <section class="panel" aria-labelledby="email-title">
            <h2 id="email-title">{texts.profile_email_title}</h2>
            <p>{texts.profile_email_current.replace("{email}", &profile.email)}</p>
            {profile
                .pending_email
                .map(|pending| {
                    view! {
                        <div class="notice" role="status" id="email-pending">
                            <p>{texts.profile_email_pending.replace("{email}", &pending)}</p>
                            <ActionForm action=cancel_email>
                                <button type="submit" class="secondary">
                                    {texts.profile_email_cancel}
                                </button>
                            </ActionForm>
                        </div>
                    }
                })}
            <p>{texts.profile_email_intro}</p>
            <ActionForm action=change_email attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field label=texts.profile_new_email name="new_email" kind="email" autocomplete="email" error />
                <Field
                    label=texts.current_password
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                {profile
                    .two_factor
                    .then(|| {
                        view! {
                            <Field
                                label=texts.code_label
                                name="code"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                hint=texts.profile_email_code_hint
                                error
                            />
                        }
                    })}
                <Submit action=change_email label=texts.profile_email_submit />
            </ActionForm>
        </section>
    }
}

/// The link mailed to a new sign-in address. The change is made by the button (a POST), not by
/// opening the page, so a mail scanner that fetches links changes nothing.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<ConfirmEmailChange>::new();
    let error = action_error(action);
    let token = use_query_map().with_untracked(|q| q.get("token").unwrap_or_default());
    view! {
        <PublicFrame title=texts.confirm_email_title>
            <p>{texts.confirm_email_intro}</p>
            <ActionForm action=action attr:class="stack">
                <FormMessage error />
                <input type="hidden" name="token" value=token />
                <Submit action label=texts.confirm_email_submit />
            </ActionForm>
        </PublicFrame>
    }
}

/// The "this wasn't me" link mailed to the old sign-in address.
#[component]
pub fn RevertEmailPage() -> impl IntoView {
    let texts = t();
    let action = ServerAction::<RevertEmailChange>::new();
    let error = action_error(action);
    let token = use_query_map().with_untracked(|q| q.get("token").unwrap_or_default());
    view! {
        <PublicFrame title=texts.revert_email_title>
            <p>{texts.revert_email_intro}</p>
            <ActionForm action=action attr:class="stack">
                <FormMessage error />
                <input type="hidden" name="token" value=token />
                <Submit action label=texts.revert_email_submit />
            </ActionForm>
        </PublicFrame>
    }
}
