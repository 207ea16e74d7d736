//! Trygg: the Leptos app (components, shared types, server functions), rendered on the server
//! and hydrated in the browser.

pub mod audit;
pub mod auth;
pub mod booking;
pub mod calendar;
pub mod cleanup;
pub mod clients;
pub mod components;
pub mod consent;
pub mod dates;
pub mod error;
pub mod export;
pub mod fields;
pub mod i18n;
pub mod ids;
pub mod ip_requests;
pub mod journal;
#[cfg(feature = "ssr")]
pub mod local_time;
pub mod messages;
#[cfg(feature = "ssr")]
pub mod page_scripts;
pub mod profile;
#[cfg(feature = "ssr")]
pub mod rotation;
pub mod secret;
pub mod security;
#[cfg(feature = "ssr")]
pub mod server;
pub mod services;
pub mod settings;
pub mod shell;
#[cfg(feature = "ssr")]
pub mod startup;
pub mod support;
pub mod times;
pub mod transfer;
pub mod two_factor;
#[cfg(feature = "ssr")]
pub mod upgrade;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use auth::{
    ForgotPasswordPage, ForgotPasswordSentPage, LoginPage, OutboxPage, ResetPasswordPage, SignUpPage, SignUpSentPage,
    VerifyEmailPage,
};
use booking::{BookedPage, BookingPageView};
use calendar::{AppointmentPage, CalendarPage, EditAppointmentPage, NewAppointmentPage};
use cleanup::CleanupPage;
use clients::{ClientPage, ClientsPage, DeleteClientPage, EditClientPage, NewClientPage};
use consent::{ConsentLinkPage, ConsentSettingsPage};
use export::ExportPage;
use i18n::t;
use ip_requests::review::{SupportIpQueuePage, SupportIpRequestPage};
use ip_requests::{IpRequestPage, IpRequestsPage, NewIpRequestPage};
use journal::JournalEntryPage;
use messages::{ConversationPage, MessagesPage, SecureMessagePage};
use profile::{ConfirmEmailPage, ProfilePage, RevertEmailPage};
use security::SecurityPage;
use services::ServicesPage;
use settings::{SettingsIndex, SettingsLayout};
use shell::AppShell;
use support::{
    LostTwoFactorPage, LostTwoFactorStatusPage, SupportAuditPage, SupportQueuePage, SupportRequestPage, SupportShell,
};
use transfer::{ConfirmTransferPage, TransferPage};
use two_factor::LoginCodePage;

/// The HTML document around the app, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let lang = use_context::<i18n::Lang>().unwrap_or(i18n::Lang::En);
    let script = page_scripts::PageScript::current();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#1d5c57" />
                <link rel="icon" type="image/png" href="/icons/icon-192.png" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <page_scripts::PageStyles script />
                <page_scripts::PageScripts options script />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "hydrate")]
    let lang = i18n::lang_of_document();
    #[cfg(not(feature = "hydrate"))]
    let lang = use_context::<i18n::Lang>().unwrap_or(i18n::Lang::En);
    provide_context(lang);

    // While a navigation loads the next page's data, the page on screen stays (the router waits
    // for every resource the new page reads) and a thin bar at the top says that something is
    // on its way.
    let (routing, set_routing) = signal(false);

    view! {
        <Router set_is_routing=set_routing>
            <RoutingBar routing />
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/login/code") view=LoginCodePage />
                <Route path=path!("/login/lost-2fa") view=LostTwoFactorPage />
                <Route path=path!("/login/lost-2fa/status") view=LostTwoFactorStatusPage ssr=SsrMode::Async />
                <Route path=path!("/signup") view=SignUpPage />
                <Route path=path!("/signup/sent") view=SignUpSentPage />
                <Route path=path!("/verify-email") view=VerifyEmailPage />
                <Route path=path!("/confirm-email") view=ConfirmEmailPage />
                <Route path=path!("/revert-email") view=RevertEmailPage />
                <Route path=path!("/confirm-transfer") view=ConfirmTransferPage />
                <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                <Route path=path!("/forgot-password/sent") view=ForgotPasswordSentPage />
                <Route path=path!("/reset-password") view=ResetPasswordPage />
                <Route path=path!("/dev/outbox") view=OutboxPage ssr=SsrMode::Async />
                <Route path=path!("/book/:slug") view=BookingPageView ssr=SsrMode::Async />
                <Route path=path!("/consent") view=ConsentLinkPage ssr=SsrMode::Async />
                <Route path=path!("/secure-message") view=SecureMessagePage ssr=SsrMode::Async />
                <Route path=path!("/book/:slug/booked") view=BookedPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=AppShell ssr=SsrMode::Async>
                    <Route path=path!("/calendar") view=CalendarPage />
                    <Route path=path!("/calendar/new") view=NewAppointmentPage />
                    <Route path=path!("/calendar/appointments/:id") view=AppointmentPage />
                    <Route path=path!("/calendar/appointments/:id/edit") view=EditAppointmentPage />
                    <Route path=path!("/clients") view=ClientsPage />
                    <Route path=path!("/clients/new") view=NewClientPage />
                    <Route path=path!("/clients/:id") view=ClientPage />
                    <Route path=path!("/clients/:id/edit") view=EditClientPage />
                    <Route path=path!("/clients/:id/delete") view=DeleteClientPage />
                    <Route path=path!("/clients/:id/journal/:entry") view=JournalEntryPage />
                    <Route path=path!("/messages") view=MessagesPage />
                    <Route path=path!("/messages/:id") view=ConversationPage />
                    <Route path=path!("/ip-requests") view=IpRequestsPage />
                    <Route path=path!("/ip-requests/new") view=NewIpRequestPage />
                    <Route path=path!("/ip-requests/:id") view=IpRequestPage />
                    <ParentRoute path=path!("/settings") view=SettingsLayout>
                        <Route path=path!("") view=SettingsIndex />
                        <Route path=path!("/profile") view=ProfilePage />
                        <Route path=path!("/security") view=SecurityPage />
                        <Route path=path!("/services") view=ServicesPage />
                        <Route path=path!("/consent") view=ConsentSettingsPage />
                        <Route path=path!("/cleanup") view=CleanupPage />
                        <Route path=path!("/export") view=ExportPage />
                        <Route path=path!("/transfer") view=TransferPage />
                    </ParentRoute>
                </ParentRoute>
                <ParentRoute path=path!("/support") view=SupportShell ssr=SsrMode::Async>
                    <Route path=path!("") view=SupportQueuePage />
                    <Route path=path!("/requests/:id") view=SupportRequestPage />
                    <Route path=path!("/ip-requests") view=SupportIpQueuePage />
                    <Route path=path!("/ip-requests/:id") view=SupportIpRequestPage />
                    <Route path=path!("/audit") view=SupportAuditPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The bar at the top of the window while the router loads the next page. Only in the browser:
/// without JavaScript every page is a full load, with the browser's own indicator.
#[component]
fn RoutingBar(routing: ReadSignal<bool>) -> impl IntoView {
    // It appears after a short delay in CSS, so quick navigations do not flash it.
    view! { <div class="routing-bar" class:active=move || routing.get() aria-hidden="true"></div> }
}

#[component]
fn NotFound() -> impl IntoView {
    error::AppError::NotFound.set_page_status();
    let texts = t();
    view! {
        <Title text=texts.not_found_title />
        <main id="main" class="card public">
            <h1>{texts.not_found_title}</h1>
            <p>
                <a href="/">{texts.go_home}</a>
            </p>
        </main>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // Browser tests and benchmarks wait for this before they click. It is set only once hydration
    // has returned: a page whose hydration panicked never gets it.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
