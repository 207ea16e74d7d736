//! Settings: its own sub-navigation, and an index that says what each section holds.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Outlet};

use crate::components::layout::LanguageSwitch;
use crate::i18n::t;

#[component]
pub fn SettingsLayout() -> impl IntoView {
    let texts = t();
    view! {
        <div class="settings">
            <nav class="subnav" aria-label=texts.nav_settings>
                <A href="/settings/profile">{texts.settings_profile}</A>
                <A href="/settings/security">{texts.settings_security}</A>
                <A href="/settings/services">{texts.settings_services}</A>
                <A href="/settings/consent">{texts.consent_settings}</A>
                <A href="/settings/cleanup">{texts.settings_cleanup}</A>
                <A href="/settings/export">{texts.settings_export}</A>
                <A href="/settings/transfer">{texts.settings_transfer}</A>
            </nav>
            <section class="settings-page">
                <Outlet />
            </section>
        </div>
    }
}

#[component]
pub fn SettingsIndex() -> impl IntoView {
    let texts = t();
    let sections = [
        ("/settings/profile", texts.settings_profile, texts.settings_profile_about),
        ("/settings/security", texts.settings_security, texts.settings_security_about),
        ("/settings/services", texts.settings_services, texts.settings_services_about),
        ("/settings/consent", texts.consent_settings, texts.settings_consent_about),
        ("/settings/cleanup", texts.settings_cleanup, texts.settings_cleanup_about),
        ("/settings/export", texts.settings_export, texts.settings_export_about),
        ("/settings/transfer", texts.settings_transfer, texts.settings_transfer_about),
        ("/ip-requests", texts.settings_ip_requests, texts.settings_ip_requests_about),
    ];
    view! {
        <Title text=format!("{} · Trygg", texts.nav_settings) />
        <h1>{texts.nav_settings}</h1>
        <p class="intro">{texts.settings_intro}</p>
        <ul class="settings-index">
            {sections
                .into_iter()
                .map(|(href, title, about)| {
                    view! {
                        <li>
                            <a href=href>
                                <strong>{title}</strong>
                            </a>
                            <p class="hint">{about}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <h2>{texts.language}</h2>
        <LanguageSwitch />
    }
}
