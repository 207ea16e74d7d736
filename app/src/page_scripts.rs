//! What a page loads. The practitioner's app hydrates the whole Leptos app and links the whole
//! stylesheet (both cached after the first visit), and is installable. The pages a client opens
//! once from a mail, on a phone and often on mobile data, get only what they need: their own
//! rules written into the page (no stylesheet to wait for), and no service worker; the booking
//! and message pages are plain links and forms and load no script; the consent page loads the
//! small `client-pages` WASM for its signature pad (a few KiB instead of the app's hundreds).
//! The server renders these pages whole, so they do not hydrate: links and forms there are full
//! page loads, as without JavaScript.

use leptos::prelude::*;

/// The rules of `style/main.css` the client pages use, gathered and minified by `build.rs`.
pub const CLIENT_PAGES_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/client-pages.css"));

/// What a page at `path` loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageScript {
    /// The practitioner's app, hydrated.
    App,
    /// The consent page's signature pad (`client-pages`).
    ConsentPad,
    /// Nothing: the page works as sent.
    None,
}

impl PageScript {
    pub fn of(path: &str) -> Self {
        match path {
            "/consent" => Self::ConsentPad,
            "/secure-message" => Self::None,
            _ if path.strip_prefix("/book/").is_some_and(|rest| !rest.is_empty()) => Self::None,
            _ => Self::App,
        }
    }

    /// The page being rendered, from its request.
    pub fn current() -> Self {
        use_context::<http::request::Parts>().map_or(Self::App, |parts| Self::of(parts.uri.path()))
    }
}

/// The page's styles, and for the app what makes it installable: the app links the whole
/// stylesheet (cached once for every page) and registers its service worker; a client page
/// carries its own rules, with the page's nonce (the HTML is not compressed, so these are the
/// few KiB those pages use, not the app's 50).
#[component]
pub fn PageStyles(script: PageScript) -> impl IntoView {
    if script == PageScript::App {
        view! {
            <link rel="manifest" href="/manifest.webmanifest" />
            <link rel="stylesheet" href="/pkg/trygg.css" />
            <script src="/sw-register.js" defer></script>
        }
        .into_any()
    } else {
        let nonce = leptos::nonce::use_nonce();
        view! { <style nonce=nonce inner_html=CLIENT_PAGES_CSS></style> }.into_any()
    }
}

/// The `<head>` entries that load the page's script: fetched while the page is read. A page
/// that does not hydrate also needs none of the data Leptos writes into the page for hydration
/// (its resources' values as inline scripts): this, in the head, comes before the body's
/// resources are made, so none of them is written.
#[component]
pub fn PageScripts(options: LeptosOptions, script: PageScript) -> impl IntoView {
    if script != PageScript::App
        && let Some(context) = Owner::current_shared_context()
    {
        context.set_is_hydrating(false);
    }
    match script {
        PageScript::App => view! { <HydrationScripts options /> }.into_any(),
        PageScript::ConsentPad => {
            let nonce = leptos::nonce::use_nonce();
            view! {
                <link rel="modulepreload" href="/pkg/client-pages.js" />
                <link
                    rel="preload"
                    href="/pkg/client-pages_bg.wasm"
                    r#as="fetch"
                    r#type="application/wasm"
                    crossorigin=""
                />
                <script type="module" nonce=nonce>
                    "import init from '/pkg/client-pages.js';init({module_or_path:'/pkg/client-pages_bg.wasm'});"
                </script>
            }
            .into_any()
        }
        PageScript::None => ().into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::PageScript;

    #[test]
    fn client_pages_load_little_and_the_app_loads_the_app() {
        assert_eq!(PageScript::of("/consent"), PageScript::ConsentPad);
        assert_eq!(PageScript::of("/book/lys-terapi"), PageScript::None);
        assert_eq!(PageScript::of("/book/lys-terapi/booked"), PageScript::None);
        assert_eq!(PageScript::of("/secure-message"), PageScript::None);
        for path in ["/book/", "/calendar", "/login", "/settings/consent", "/secure-message/reply", "/"] {
            assert_eq!(PageScript::of(path), PageScript::App, "{path}");
        }
    }
}
