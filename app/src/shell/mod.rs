//! The signed-in frame: brand, menu, who is signed in, log out, and the inactivity timer.

pub mod inactivity;

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use crate::auth::api::{LogOut, whoami};
use crate::i18n::t;
use inactivity::{InactivityGuard, announce_logout};

/// The signed-in practice app: top menu (Calendar, Clients, Messages, Settings). A part appears in the menu
/// once it is built.
#[component]
pub fn AppShell() -> impl IntoView {
    let texts = t();
    view! {
        <Shell home="/calendar">
            <A href="/calendar">{texts.nav_calendar}</A>
            <A href="/clients">{texts.nav_clients}</A>
            <A href="/messages">{texts.nav_messages}</A>
            <A href="/settings">{texts.nav_settings}</A>
        </Shell>
    }
}

/// The frame of every signed-in area: brand, menu (`children`), who is signed in, log out, the
/// inactivity timer, and the page below.
#[component]
pub fn Shell(home: &'static str, children: Children) -> impl IntoView {
    let texts = t();
    let me = Resource::new_blocking(|| (), |_| whoami());
    let log_out = ServerAction::<LogOut>::new();
    let practice = move || {
        Suspend::new(async move {
            match me.await {
                Ok(Some(me)) => view! {
                    <span class="who">
                        <span class="practice">{me.practice_name}</span>
                        <span class="person">{me.name}</span>
                    </span>
                    <InactivityGuard idle_secs=me.idle_timeout_secs />
                }
                .into_any(),
                _ => ().into_any(),
            }
        })
    };
    view! {
        // A plain jump (not the router's): the browser moves the keyboard's place to the page.
        <a class="skip" href="#main" rel="external">
            {texts.skip_to_content}
        </a>
        <header class="topbar">
            <a href=home class="brand">
                <img src="/icons/icon-192.png" alt="" width="32" height="32" />
                <span>"Trygg"</span>
            </a>
            <nav class="mainnav" aria-label=texts.main_menu>
                {children()}
            </nav>
            <div class="account">
                <Suspense fallback=|| ()>{practice}</Suspense>
                <ActionForm action=log_out attr:class="logout" on:submit=move |_| announce_logout()>
                    <button type="submit" class="secondary">
                        {texts.log_out}
                    </button>
                </ActionForm>
            </div>
        </header>
        <main id="main" class="page" tabindex="-1">
            <Outlet />
        </main>
    }
}
