//! A client as the practice keeps it, and the validated input that creates or changes one.

use serde::{Deserialize, Serialize};

use crate::auth::types::Email;
use crate::consent::types::ConsentStatus;
use crate::error::{AppError, FieldChecks, Problem};

pub const CLIENT_NAME_MAX: usize = 200;
const ADDRESS_MAX: usize = 300;
const NOTES_MAX: usize = 5000;
const PHONE_MAX: usize = 30;

/// One line of the client list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub consent: ConsentStatus,
}

/// Everything the profile shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    /// `YYYY-MM-DD`, or empty.
    pub birth_date: String,
    pub address: String,
    pub notes: String,
}

/// A client's details as typed, checked field by field. Only the name is required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub birth_date: String,
    pub address: String,
    pub notes: String,
}

/// The form's fields, as they arrive.
pub struct RawClient<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub birth_date: &'a str,
    pub address: &'a str,
    pub notes: &'a str,
}

impl ClientInput {
    /// Every problem is reported on its field, all at once.
    pub fn parse(raw: RawClient<'_>) -> Result<Self, AppError> {
        let mut checks = FieldChecks::default();
        let mut check = |field: &str, result: Result<String, Problem>| checks.check(field, result);
        let input = Self {
            name: check("name", required_text(raw.name, CLIENT_NAME_MAX)),
            email: check("email", optional_email(raw.email)),
            phone: check("phone", phone(raw.phone)),
            birth_date: check("birth_date", birth_date(raw.birth_date)),
            address: check("address", text(raw.address, ADDRESS_MAX)),
            notes: check("notes", text(raw.notes, NOTES_MAX)),
        };
        checks.finish(input)
    }
}

/// Trimmed, without control characters (line breaks are kept in longer texts).
pub fn text(input: &str, max: usize) -> Result<String, Problem> {
    let cleaned: String = input.trim().chars().filter(|c| !c.is_control() || *c == '\n').collect();
    if cleaned.chars().count() > max { Err(Problem::TooLong { max }) } else { Ok(cleaned) }
}

fn required_text(input: &str, max: usize) -> Result<String, Problem> {
    let cleaned = text(input, max)?.replace('\n', " ");
    if cleaned.is_empty() { Err(Problem::Required) } else { Ok(cleaned) }
}

fn optional_email(input: &str) -> Result<String, Problem> {
    if input.trim().is_empty() { Ok(String::new()) } else { Email::parse(input).map(|e| e.as_str().to_string()) }
}

/// Digits with the usual separators and an optional leading `+`; 5 to 15 digits (E.164).
fn phone(input: &str) -> Result<String, Problem> {
    let phone = input.trim();
    if phone.is_empty() {
        return Ok(String::new());
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed =
        phone.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (c == '+' && i == 0));
    if phone.chars().count() > PHONE_MAX || !allowed || !(5..=15).contains(&digits) {
        return Err(Problem::InvalidPhone);
    }
    Ok(phone.to_string())
}

/// `YYYY-MM-DD`, a real calendar date from 1900 on. Whether it lies in the future is checked by
/// the server, which knows today's date.
pub fn birth_date(input: &str) -> Result<String, Problem> {
    let date = input.trim();
    if date.is_empty() {
        return Ok(String::new());
    }
    parse_date(date).filter(|(year, _, _)| *year >= 1900).map(|_| date.to_string()).ok_or(Problem::InvalidDate)
}

/// A `YYYY-MM-DD` date as (year, month, day), if it exists in the calendar.
pub fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i32 = text[0..4].parse().ok()?;
    let month: u32 = text[5..7].parse().ok()?;
    let day: u32 = text[8..10].parse().ok()?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(name: &'a str, email: &'a str, phone: &'a str, birth_date: &'a str) -> RawClient<'a> {
        RawClient { name, email, phone, birth_date, address: "", notes: "" }
    }

    #[test]
    fn a_name_is_enough() {
        let input = ClientInput::parse(raw("  Ola Nordmann ", "", "", "")).unwrap();
        assert_eq!(input.name, "Ola Nordmann");
        assert_eq!(input.email, "");
    }

    #[test]
    fn every_bad_field_is_named() {
        let error = ClientInput::parse(raw("", "not-an-email", "call me", "1985-02-30")).unwrap_err();
        assert_eq!(error.for_field("name"), Some(Problem::Required));
        assert_eq!(error.for_field("email"), Some(Problem::InvalidEmail));
        assert_eq!(error.for_field("phone"), Some(Problem::InvalidPhone));
        assert_eq!(error.for_field("birth_date"), Some(Problem::InvalidDate));
    }

    #[test]
    fn phones_and_dates() {
        for ok in ["+47 912 34 567", "912 34 567", "(0047) 91234567", "22-33-44-55"] {
            assert!(phone(ok).is_ok(), "{ok}");
        }
        for bad in ["12", "+47 912 34 567 123 456 789", "47+912", "ring meg", "<script>"] {
            assert_eq!(phone(bad), Err(Problem::InvalidPhone), "{bad}");
        }
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("1900-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("23-1-1"), None);
        assert_eq!(birth_date("1899-12-31"), Err(Problem::InvalidDate));
    }

    #[test]
    fn long_texts_are_refused_not_cut() {
        let notes = "x".repeat(NOTES_MAX + 1);
        let error = ClientInput::parse(RawClient { notes: &notes, ..raw("Ola", "", "", "") }).unwrap_err();
        assert_eq!(error.for_field("notes"), Some(Problem::TooLong { max: NOTES_MAX }));
    }
}
