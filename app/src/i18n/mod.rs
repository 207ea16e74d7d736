//! Norwegian bokmål and English. The texts come from `locales/*.toml` through `build.rs`.
//!
//! The language is fixed for one page load: the server picks it (cookie, else the browser's
//! `Accept-Language`), writes it into `<html lang>`, and the browser reads it back from there.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/texts.rs"));

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    Nb,
    En,
}

pub const LANG_COOKIE: &str = "trygg_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::Nb => "nb",
            Self::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "nb" | "no" | "nn" | "nb-no" | "no-no" | "nn-no" => Some(Self::Nb),
            c if c == "en" || c.starts_with("en-") => Some(Self::En),
            _ => None,
        }
    }

    /// The first supported language in an `Accept-Language` header, by the browser's order of
    /// preference; English when none is supported.
    pub fn from_accept_language(header: &str) -> Self {
        let mut ranked: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse().ok()).unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.iter().find_map(|(_, tag)| Self::from_code(tag)).unwrap_or(Self::En)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Nb => &NB,
            Self::En => &EN,
        }
    }
}

impl Texts {
    /// The language these texts are in.
    pub fn lang(&self) -> Lang {
        Lang::from_code(self.lang_code).unwrap_or(Lang::En)
    }
}

/// The language of this page, from context.
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or(Lang::En)
}

/// The texts of this page's language.
pub fn t() -> &'static Texts {
    use_lang().texts()
}

/// In the browser, the language the server rendered the page in.
#[cfg(feature = "hydrate")]
pub fn lang_of_document() -> Lang {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_respects_preference_order() {
        assert_eq!(Lang::from_accept_language("nb-NO,nb;q=0.9,en;q=0.8"), Lang::Nb);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,nb;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("de-DE,no;q=0.5"), Lang::Nb);
        assert_eq!(Lang::from_accept_language("en;q=0.2, nn;q=0.9"), Lang::Nb);
        assert_eq!(Lang::from_accept_language("fr"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }

    #[test]
    fn both_languages_have_their_own_texts() {
        assert_ne!(NB.nav_settings, EN.nav_settings);
        assert_eq!(Lang::from_code(Lang::Nb.code()), Some(Lang::Nb));
    }
}
