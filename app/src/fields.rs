//! What people type, as every feature reads it: an email address, a name, a piece of free text.
//! It lives below the features so that none imports another for these words.

use crate::error::Problem;

pub const NAME_MAX: usize = 100;
const EMAIL_MAX: usize = 254;

/// An email address, trimmed and lower-cased: the account's login name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, Problem> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(Problem::Required);
        }
        if email.chars().count() > EMAIL_MAX {
            return Err(Problem::TooLong { max: EMAIL_MAX });
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
            }
            None => false,
        };
        if valid { Ok(Self(email)) } else { Err(Problem::InvalidEmail) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's or practice's name: trimmed, not empty, not too long, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, Problem> {
        let name: String = input.trim().chars().filter(|c| !c.is_control()).collect();
        if name.is_empty() {
            Err(Problem::Required)
        } else if name.chars().count() > NAME_MAX {
            Err(Problem::TooLong { max: NAME_MAX })
        } else {
            Ok(Self(name))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Trimmed, without control characters (line breaks are kept in longer texts).
pub fn text(input: &str, max: usize) -> Result<String, Problem> {
    let cleaned: String = input.trim().chars().filter(|c| !c.is_control() || *c == '\n').collect();
    if cleaned.chars().count() > max { Err(Problem::TooLong { max }) } else { Ok(cleaned) }
}

/// A mailed one-time code as typed: six digits, spaces or a dash allowed between them.
pub fn one_time_code(input: &str) -> Result<String, Problem> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if digits.is_empty() {
        Err(Problem::Required)
    } else if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(Problem::ConsentCodeFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_time_code_is_six_digits() {
        assert_eq!(one_time_code(" 123 456 "), Ok("123456".into()));
        assert_eq!(one_time_code("123-456"), Ok("123456".into()));
        assert_eq!(one_time_code("  "), Err(Problem::Required));
        for bad in ["12345", "1234567", "12a456", "١٢٣٤٥٦", "123456\u{0}"] {
            assert_eq!(one_time_code(bad), Err(Problem::ConsentCodeFormat), "{bad}");
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Kari@Example.NO ").unwrap().as_str(), "kari@example.no");
        assert_eq!(Email::parse(""), Err(Problem::Required));
        for bad in
            ["kari", "kari@", "@example.no", "kari@example", "ka ri@example.no", "a@b@c.no", "kari@.no", "<a@b.no>"]
        {
            assert_eq!(Email::parse(bad), Err(Problem::InvalidEmail), "{bad}");
        }
        assert!(matches!(Email::parse(&format!("{}@example.no", "a".repeat(250))), Err(Problem::TooLong { .. })));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Kari Nordmann ").unwrap().as_str(), "Kari Nordmann");
        assert_eq!(DisplayName::parse("   "), Err(Problem::Required));
        assert_eq!(DisplayName::parse(&"å".repeat(NAME_MAX)).unwrap().as_str().chars().count(), NAME_MAX);
        assert_eq!(DisplayName::parse(&"å".repeat(NAME_MAX + 1)), Err(Problem::TooLong { max: NAME_MAX }));
    }

    #[test]
    fn text_is_trimmed_keeps_line_breaks_and_is_bounded() {
        assert_eq!(text("  a\u{7}b\nc  ", 10), Ok("ab\nc".to_string()));
        assert_eq!(text("abcd", 3), Err(Problem::TooLong { max: 3 }));
    }
}
