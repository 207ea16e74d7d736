//! Data out (GDPR art. 15 and 20): a client's whole record as one ZIP archive, with a PDF a
//! person can read, the same as JSON for a program, the consent copies and the files sent in
//! messages; and the whole practice as one archive of every client and the practice's own
//! details, built in the background (Settings → Export).

pub mod api;
#[cfg(feature = "ssr")]
pub mod archive;
#[cfg(feature = "ssr")]
pub mod record;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;

#[cfg(feature = "ssr")]
pub use routes::routes;

use crate::ids::ClientId;

/// Where a client's archive is downloaded.
pub fn client_archive_path(id: ClientId) -> String {
    format!("/clients/{id}/export.zip")
}

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::components::forms::{Field, FormMessage, Submit, action_error};
use crate::i18n::t;
use api::{StartPracticeExport, get_practice_export};
use types::{ExportStage, size_text};

/// Settings → Export: the whole practice as one archive. While it is being built the page
/// reloads itself every few seconds (with or without JavaScript) to show how far it is.
#[component]
pub fn ExportPage() -> impl IntoView {
    let texts = t();
    let start = ServerAction::<StartPracticeExport>::new();
    let error = action_error(start);
    let status = Resource::new_blocking(move || start.version().get(), |_| get_practice_export());
    view! {
        <Title text=format!("{} · Trygg", texts.settings_export) />
        <h1>{texts.settings_export}</h1>
        <p class="intro">{texts.export_practice_intro}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(Some(status)) = status.await else { return ().into_any() };
                let refresh = status.stage.building().then(|| view! { <Meta http_equiv="refresh" content="3" /> });
                let said = match status.stage {
                    ExportStage::Building { done, total } => {
                        view! {
                            <p>
                                {texts
                                    .export_building
                                    .replace("{done}", &done.to_string())
                                    .replace("{total}", &total.to_string())}
                            </p>
                            <progress max=total.max(1) value=done aria-label=texts.export_progress></progress>
                        }
                            .into_any()
                    }
                    ExportStage::Ready { until, size } => {
                        view! {
                            <p>
                                {texts
                                    .export_ready
                                    .replace("{size}", &size_text(size))
                                    .replace("{until}", &crate::dates::moment(crate::i18n::use_lang(), &until))}
                            </p>
                        }
                            .into_any()
                    }
                    ExportStage::Taken => view! { <p>{texts.export_taken}</p> }.into_any(),
                    ExportStage::Expired => view! { <p>{texts.export_expired}</p> }.into_any(),
                    ExportStage::Failed => view! { <p class="error">{texts.export_failed}</p> }.into_any(),
                };
                view! {
                    {refresh}
                    <section class="panel" id="export-status" role="status" aria-labelledby="export-status-title">
                        <h2 id="export-status-title">
                            {texts
                                .export_latest
                                .replace("{when}", &crate::dates::moment(crate::i18n::use_lang(), &status.started))}
                        </h2>
                        {said}
                    </section>
                }
                    .into_any()
            })}
        </Suspense>
        <section class="panel" aria-labelledby="export-new-title">
            <h2 id="export-new-title">{texts.export_new}</h2>
            <p>{texts.export_new_intro}</p>
            <ActionForm action=start attr:class="stack" attr:novalidate=true>
                <FormMessage error />
                <Field
                    label=texts.current_password
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <Submit action=start label=texts.export_start />
            </ActionForm>
        </section>
    }
}
