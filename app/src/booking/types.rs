//! What the public booking page shows: nothing but the practice's name, its services and free
//! times. No other client's booking is ever visible, only that a time is not free.

use serde::{Deserialize, Serialize};

use crate::services::types::Service;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingOffer {
    pub practice_name: String,
    pub services: Vec<Service>,
    /// The next days the booker can choose, `YYYY-MM-DD` with their weekday (0 = Monday).
    pub days: Vec<(String, i64)>,
}

/// A booking address from a practice name: lower-case ASCII letters, digits and dashes, with
/// Norwegian letters spelled out.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        match c {
            'a'..='z' | '0'..='9' => slug.push(c),
            'æ' => slug.push_str("ae"),
            'ø' | 'ö' => slug.push('o'),
            'å' | 'ä' | 'á' | 'à' => slug.push('a'),
            'é' | 'è' => slug.push('e'),
            'ü' => slug.push('u'),
            _ if !slug.ends_with('-') && !slug.is_empty() => slug.push('-'),
            _ => {}
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(40).collect();
    if slug.is_empty() { "praksis".into() } else { slug.trim_end_matches('-').to_string() }
}

/// Whether a booking address from a link can be one [`slugify`] made (with a `-2` style suffix
/// when names collide): anything else names no practice, and never reaches the database.
pub fn is_slug(text: &str) -> bool {
    (1..=80).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::{is_slug, slugify};

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(slugify("Klinikk Nord"), "klinikk-nord");
        assert_eq!(slugify("  Fysio & Helse, Tromsø!  "), "fysio-helse-tromso");
        assert_eq!(slugify("Ærlig Åpen Øre"), "aerlig-apen-ore");
        assert_eq!(slugify("!!!"), "praksis");
    }

    #[test]
    fn only_what_slugify_makes_is_a_slug() {
        for name in ["Klinikk Nord", "Ærlig Åpen Øre", "!!!", &"Lang ".repeat(30)] {
            assert!(is_slug(&slugify(name)), "{name}");
        }
        assert!(is_slug("klinikk-nord-2"));
        for bad in ["", "Klinikk", "klinikk\u{0}", "klinikk nord", "../admin", "kl%00", "ø", &"a".repeat(81)] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }
}
