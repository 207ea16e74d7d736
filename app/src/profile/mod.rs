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

use crate::components::forms::{Field, FormMessage, Submit, TextArea, action_error};
use crate::i18n::t;
use api::{UpdatePractice, get_profile};

pub const AGREEMENT_PATH: &str = "/settings/profile/agreement.pdf";

#[component]
pub fn ProfilePage() -> impl IntoView {
    let texts = t();
    let update = ServerAction::<UpdatePractice>::new();
    let error = action_error(update);
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    let profile = Resource::new_blocking(|| (), |_| get_profile());
    view! {
        <Title text=format!("{} · Trygg", texts.settings_profile) />
        <h1>{texts.settings_profile}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => {
                        let practice = profile.practice;
                        view! {
                            <section class="panel">
                                <h2>{texts.profile_account}</h2>
                                <dl class="facts">
                                    <dt>{texts.profile_name}</dt>
                                    <dd>{profile.name}</dd>
                                    <dt>{texts.email}</dt>
                                    <dd>{profile.email}</dd>
                                </dl>
                            </section>
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
