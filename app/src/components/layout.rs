//! The frame of public pages (login, sign-up, support's own sign-in) and the language switch with
//! its endpoint. (The signed-in shell is `shell`.)

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::i18n::{Lang, t, use_lang};

/// Frame for pages outside the signed-in app.
#[component]
pub fn PublicFrame(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Trygg") />
        <div class="public">
            <header class="public-header">
                <a href="/login" class="brand">
                    <img src="/icons/icon-192.png" alt="" width="32" height="32" />
                    "Trygg"
                </a>
                <LanguageSwitch />
            </header>
            <main id="main" class="card">
                <h1>{title}</h1>
                {children()}
            </main>
        </div>
    }
}

/// Norsk / English. A plain form: works without JavaScript; with it, the page reloads in the
/// chosen language once the cookie is set.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let texts = t();
    let current = use_lang();
    let action = ServerAction::<SetLanguage>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().reload();
        }
    });
    let option = move |lang: Lang, label: &'static str| {
        view! {
            <button type="submit" name="lang" value=lang.code() class="link" aria-pressed=(current == lang).to_string()>
                {label}
            </button>
        }
    };
    view! {
        <ActionForm action=action attr:class="language-switch" attr:aria-label=texts.language>
            {option(Lang::Nb, texts.lang_nb)}
            {option(Lang::En, texts.lang_en)}
        </ActionForm>
    }
}

/// Sets the language cookie (a year; `Lax`, so a link from elsewhere opens in it too).
#[server(endpoint = "set_language")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    use crate::i18n::LANG_COOKIE;
    let lang =
        Lang::from_code(&lang).ok_or_else(|| AppError::field("lang", crate::error::Problem::MalformedRequest))?;
    crate::server::request::set_response_header(
        http::header::SET_COOKIE,
        &format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code()),
    );
    Ok(())
}
