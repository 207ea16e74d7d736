//! Settings: its own sub-navigation; the sections are filled by later issues.

use leptos::prelude::*;
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
            </nav>
            <section class="settings-page">
                <Outlet/>
            </section>
        </div>
    }
}

#[component]
pub fn SettingsIndex() -> impl IntoView {
    let texts = t();
    view! {
        <h1>{texts.nav_settings}</h1>
        <p class="empty">{texts.settings_intro}</p>
        <h2>{texts.language}</h2>
        <LanguageSwitch/>
    }
}
