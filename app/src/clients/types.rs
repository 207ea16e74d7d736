//! A client as the practice keeps it, and the validated input that creates or changes one.

use serde::{Deserialize, Serialize};

use crate::consent::types::ConsentStatus;
use crate::dates::parse_date;
use crate::error::{AppError, FieldChecks, Problem};
use crate::fields::{Email, text};
use crate::ids::ClientId;

pub const CLIENT_NAME_MAX: usize = 200;
const ADDRESS_MAX: usize = 300;
const NOTES_MAX: usize = 5000;
const PHONE_MAX: usize = 30;
/// The longest search: as long as the longest field searched (an email address). Longer text
/// cannot match, and databases refuse long patterns (SQLite's `LIKE` stops at 50 000 bytes).
pub const SEARCH_MAX: usize = 254;

/// One line of the client list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub id: ClientId,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub consent: ConsentStatus,
}

/// What deleting a client takes with it, named before it happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionSummary {
    pub id: ClientId,
    pub name: String,
    pub counts: DeletionCounts,
}

/// How many records of each kind a deletion takes (the client's details and keys aside).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionCounts {
    pub appointments: i64,
    pub journal_entries: i64,
    pub consents: i64,
    pub messages: i64,
    pub files: i64,
}

impl std::ops::AddAssign for DeletionCounts {
    fn add_assign(&mut self, other: Self) {
        self.appointments += other.appointments;
        self.journal_entries += other.journal_entries;
        self.consents += other.consents;
        self.messages += other.messages;
        self.files += other.files;
    }
}

/// Why clients were deleted: by the cleanup job's retention period, or one by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeletionCause {
    Retention,
    ByHand,
}

impl DeletionCause {
    pub fn code(self) -> &'static str {
        match self {
            Self::Retention => "retention",
            Self::ByHand => "by_hand",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Retention, Self::ByHand].into_iter().find(|cause| cause.code() == code)
    }
}

/// One line of the deletion log: when, why, how many. Nothing that names anyone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionLogEntry {
    /// The local date and time, as shown.
    pub when: String,
    pub cause: DeletionCause,
    pub clients: i64,
    pub counts: DeletionCounts,
}

/// Everything the profile shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub id: ClientId,
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

/// What to look for in the client list: trimmed, without control characters, at most
/// [`SEARCH_MAX`] characters.
pub fn search_text(input: &str) -> Result<String, Problem> {
    text(input, SEARCH_MAX)
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

/// `YYYY-MM-DD`, a real calendar date (see `dates::parse_date`). Whether it lies in the future
/// is checked by the server, which knows today's date.
pub fn birth_date(input: &str) -> Result<String, Problem> {
    let date = input.trim();
    if date.is_empty() {
        return Ok(String::new());
    }
    parse_date(date).map(|_| date.to_string()).ok_or(Problem::InvalidDate)
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
        assert_eq!(birth_date(" 2024-02-29 "), Ok("2024-02-29".into()));
        assert_eq!(birth_date(""), Ok(String::new()));
        for bad in ["1899-12-31", "2023-02-29", "+262143-12-31", "2201-01-01"] {
            assert_eq!(birth_date(bad), Err(Problem::InvalidDate), "{bad}");
        }
    }

    #[test]
    fn searches_are_capped_at_the_longest_field() {
        assert_eq!(search_text("  Ola\u{0}  "), Ok("Ola".into()));
        assert_eq!(search_text(&"ø".repeat(SEARCH_MAX)).map(|s| s.chars().count()), Ok(SEARCH_MAX));
        assert_eq!(search_text(&"x".repeat(51_000)), Err(Problem::TooLong { max: SEARCH_MAX }));
    }

    #[test]
    fn long_texts_are_refused_not_cut() {
        let notes = "x".repeat(NOTES_MAX + 1);
        let error = ClientInput::parse(RawClient { notes: &notes, ..raw("Ola", "", "", "") }).unwrap_err();
        assert_eq!(error.for_field("notes"), Some(Problem::TooLong { max: NOTES_MAX }));
    }
}
