//! A journal entry as the practitioner reads it, its earlier wordings, and the checked input.

use serde::{Deserialize, Serialize};

use crate::audit::types::AuditEvent;
use crate::dates::parse_date;
use crate::error::{AppError, FieldChecks, Problem};
use crate::fields::text;

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 50_000;

/// One entry, in its current wording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: i64,
    /// The current version's number; an edit must name it, so two edits cannot silently cross.
    pub version: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub title: String,
    pub text: String,
    /// Who wrote this wording, and when (local `YYYY-MM-DD HH:MM`).
    pub author: String,
    pub written: String,
}

/// An entry with every wording it has had, newest first (the first is the current one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHistory {
    pub client_name: String,
    pub versions: Vec<JournalEntry>,
}

/// The journal of one client, newest entry first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub entries: Vec<JournalEntry>,
    /// Whether the client has older entries than these.
    pub older: bool,
    /// Today in the practice's time zone: the new entry's default date.
    pub today: String,
    /// The newest audit events about this client (this reading included).
    pub log: Vec<AuditEvent>,
}

/// How many entries the client page shows at first, and how many more each "Show older entries".
pub const ENTRIES_PAGE: usize = 20;
const ENTRIES_MAX: usize = 10_000;

/// How many entries to show, from the page's `?entries=` (a whole number of pages, at least one).
pub fn shown_entries(asked: Option<usize>) -> usize {
    let asked = asked.unwrap_or(ENTRIES_PAGE).clamp(ENTRIES_PAGE, ENTRIES_MAX);
    asked.div_ceil(ENTRIES_PAGE) * ENTRIES_PAGE
}

/// An entry as typed: a date, a title and the text, all required.
#[derive(Clone, PartialEq, Eq)]
pub struct JournalInput {
    pub date: String,
    pub title: String,
    pub text: String,
}

impl JournalInput {
    /// Every problem is reported on its field, all at once. `latest_date` is the last date that
    /// is not in the future anywhere.
    pub fn parse(date: &str, title: &str, body: &str, latest_date: &str) -> Result<Self, AppError> {
        let mut checks = FieldChecks::default();
        let mut check = |field: &str, result: Result<String, Problem>| checks.check(field, result);
        let input = Self {
            date: check("date", entry_date(date, latest_date)),
            title: check("title", required(title, TITLE_MAX).map(|t| t.replace('\n', " "))),
            text: check("text", required(body, TEXT_MAX)),
        };
        checks.finish(input)
    }
}

fn required(input: &str, max: usize) -> Result<String, Problem> {
    let cleaned = text(input, max)?;
    if cleaned.is_empty() { Err(Problem::Required) } else { Ok(cleaned) }
}

fn entry_date(input: &str, latest_date: &str) -> Result<String, Problem> {
    let date = input.trim();
    if date.is_empty() {
        return Err(Problem::Required);
    }
    parse_date(date).ok_or(Problem::InvalidDate)?;
    if date > latest_date {
        return Err(Problem::DateInFuture);
    }
    Ok(date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_shown_in_whole_pages() {
        assert_eq!(shown_entries(None), ENTRIES_PAGE);
        assert_eq!(shown_entries(Some(0)), ENTRIES_PAGE);
        assert_eq!(shown_entries(Some(21)), 2 * ENTRIES_PAGE);
        assert_eq!(shown_entries(Some(40)), 2 * ENTRIES_PAGE);
        assert_eq!(shown_entries(Some(usize::MAX)), ENTRIES_MAX);
    }

    #[test]
    fn a_complete_entry_is_accepted_and_cleaned() {
        let input =
            JournalInput::parse(" 2026-11-20 ", " Samtale 3\n", "Linje én\r\nLinje to\u{7}", "2026-11-25").unwrap();
        assert_eq!(input.date, "2026-11-20");
        assert_eq!(input.title, "Samtale 3");
        assert_eq!(input.text, "Linje én\nLinje to");
    }

    #[test]
    fn every_field_reports_its_own_problem() {
        let error = JournalInput::parse("2026-02-30", "", "   ", "2026-11-25").err().unwrap();
        assert_eq!(error.for_field("date"), Some(Problem::InvalidDate));
        for far_off in ["+262143-12-31", "-0001-01-01", "1899-12-31"] {
            let error = JournalInput::parse(far_off, "t", "x", "2026-11-25").err().unwrap();
            assert_eq!(error.for_field("date"), Some(Problem::InvalidDate), "{far_off}");
        }
        assert_eq!(error.for_field("title"), Some(Problem::Required));
        assert_eq!(error.for_field("text"), Some(Problem::Required));
    }

    #[test]
    fn future_dates_and_long_texts_are_refused() {
        let long = "x".repeat(TEXT_MAX + 1);
        let error = JournalInput::parse("2026-11-26", &"t".repeat(TITLE_MAX + 1), &long, "2026-11-25").err().unwrap();
        assert_eq!(error.for_field("date"), Some(Problem::DateInFuture));
        assert_eq!(error.for_field("title"), Some(Problem::TooLong { max: TITLE_MAX }));
        assert_eq!(error.for_field("text"), Some(Problem::TooLong { max: TEXT_MAX }));
        assert!(
            JournalInput::parse("", "t", "x", "2026-11-25").err().unwrap().for_field("date") == Some(Problem::Required)
        );
    }
}
