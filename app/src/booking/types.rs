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

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(slugify("Klinikk Nord"), "klinikk-nord");
        assert_eq!(slugify("  Fysio & Helse, Tromsø!  "), "fysio-helse-tromso");
        assert_eq!(slugify("Ærlig Åpen Øre"), "aerlig-apen-ore");
        assert_eq!(slugify("!!!"), "praksis");
    }
}
