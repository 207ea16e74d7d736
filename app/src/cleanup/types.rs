//! The cleanup setting as typed and as shown, and what the preview lists.

use serde::{Deserialize, Serialize};

use crate::clients::types::DeletionLogEntry;
use crate::error::{AppError, FieldChecks, Problem};
use crate::fields::text;
use crate::ids::ClientId;

/// The periods offered by name: 1, 2, 3, 5 and 10 years.
pub const PRESET_MONTHS: [u32; 5] = [12, 24, 36, 60, 120];
/// Norwegian health records are as a rule kept at least 10 years after the last entry: a shorter
/// period is saved only when the practitioner confirms they may.
pub const LEGAL_MINIMUM_MONTHS: u32 = 120;
pub const MONTHS_MIN: u32 = 1;
/// 50 years.
pub const MONTHS_MAX: u32 = 600;
/// The period a practice starts with, before it chooses one.
pub const DEFAULT_MONTHS: u32 = LEGAL_MINIMUM_MONTHS;
pub const REASON_MAX: usize = 300;
/// The practice is mailed this long before a client goes.
pub const NOTICE_DAYS: i64 = 14;
/// The preview looks this far past the next run.
pub const PREVIEW_DAYS: i64 = 30;
/// The `period` value that takes its months from the `months` field.
pub const OWN_PERIOD: &str = "months";

/// The saved choice: on or off, and the retention period in months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupChoice {
    pub enabled: bool,
    pub months: u32,
}

impl CleanupChoice {
    /// The form as sent: `enabled` and `confirmed` are checkboxes (absent when not ticked),
    /// `period` one of [`PRESET_MONTHS`] or [`OWN_PERIOD`], then `months` says how many. Every
    /// problem is named at its field.
    pub fn parse(enabled: Option<&str>, period: &str, months: &str, confirmed: Option<&str>) -> Result<Self, AppError> {
        let mut checks = FieldChecks::default();
        let months = match period.trim() {
            OWN_PERIOD => checks.check("months", own_months(months)),
            preset => checks.check(
                "period",
                preset.parse().ok().filter(|m| PRESET_MONTHS.contains(m)).ok_or(Problem::NotAllowedValue),
            ),
        };
        let enabled = enabled.is_some();
        if enabled && months != 0 && months < LEGAL_MINIMUM_MONTHS && confirmed.is_none() {
            checks.check::<()>("confirmed", Err(Problem::ShortRetentionNotConfirmed));
        }
        checks.finish(Self { enabled, months })
    }
}

fn own_months(typed: &str) -> Result<u32, Problem> {
    let range = Problem::MonthsOutOfRange { min: MONTHS_MIN as usize, max: MONTHS_MAX as usize };
    match typed.trim() {
        "" => Err(Problem::Required),
        typed => typed.parse().ok().filter(|m| (MONTHS_MIN..=MONTHS_MAX).contains(m)).ok_or(range),
    }
}

/// Why a client is kept: required, one line of at most [`REASON_MAX`] characters.
pub fn hold_reason(typed: &str) -> Result<String, AppError> {
    match text(typed, REASON_MAX) {
        Ok(reason) if reason.is_empty() => Err(AppError::field("reason", Problem::Required)),
        Ok(reason) => Ok(reason),
        Err(problem) => Err(AppError::field("reason", problem)),
    }
}

/// A client the job will delete, as the preview lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Going {
    pub id: ClientId,
    pub name: String,
    /// `YYYY-MM-DD` in the practice's time zone.
    pub last_activity: String,
    pub deletes_on: String,
}

/// A client on hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub id: ClientId,
    pub name: String,
    pub reason: String,
    pub last_activity: String,
    /// `YYYY-MM-DD`.
    pub since: String,
}

/// Settings → Cleanup: the setting, the preview and the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupOverview {
    pub choice: CleanupChoice,
    /// Local date and time of the next run.
    pub next_run: String,
    /// Who goes at the next run (with the setting on).
    pub at_next_run: Vec<Going>,
    /// Who goes after it, within [`PREVIEW_DAYS`].
    pub soon: Vec<Going>,
    pub held: Vec<Held>,
    pub log: Vec<DeletionLogEntry>,
}

/// The period in words' parts: whole years, or months.
pub fn in_years(months: u32) -> Option<u32> {
    months.is_multiple_of(12).then_some(months / 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(error: AppError) -> Vec<(String, Problem)> {
        match error {
            AppError::Validation(errors) => errors.into_iter().map(|e| (e.field, e.problem)).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn ten_years_or_more_needs_no_confirmation() {
        assert_eq!(CleanupChoice::parse(Some("on"), "120", "", None), Ok(CleanupChoice { enabled: true, months: 120 }));
        assert_eq!(
            CleanupChoice::parse(Some("on"), OWN_PERIOD, " 150 ", None),
            Ok(CleanupChoice { enabled: true, months: 150 })
        );
    }

    #[test]
    fn a_shorter_period_is_saved_only_when_confirmed() {
        let refused = CleanupChoice::parse(Some("on"), "24", "", None).unwrap_err();
        assert_eq!(problems(refused), vec![("confirmed".into(), Problem::ShortRetentionNotConfirmed)]);
        assert_eq!(
            CleanupChoice::parse(Some("on"), "24", "", Some("on")),
            Ok(CleanupChoice { enabled: true, months: 24 })
        );
        let refused = CleanupChoice::parse(Some("on"), OWN_PERIOD, "119", None).unwrap_err();
        assert_eq!(problems(refused), vec![("confirmed".into(), Problem::ShortRetentionNotConfirmed)]);
        // Off, the period does nothing yet: no confirmation asked.
        assert_eq!(CleanupChoice::parse(None, "12", "", None), Ok(CleanupChoice { enabled: false, months: 12 }));
    }

    #[test]
    fn only_offered_periods_and_months_in_range() {
        let range = Problem::MonthsOutOfRange { min: 1, max: 600 };
        for (period, months, field, problem) in [
            ("7", "", "period", Problem::NotAllowedValue),
            ("", "", "period", Problem::NotAllowedValue),
            ("-12", "", "period", Problem::NotAllowedValue),
            (OWN_PERIOD, "", "months", Problem::Required),
            (OWN_PERIOD, "0", "months", range),
            (OWN_PERIOD, "601", "months", range),
            (OWN_PERIOD, "1.5", "months", range),
            (OWN_PERIOD, "tolv", "months", range),
            (OWN_PERIOD, "99999999999999999999", "months", range),
        ] {
            let refused = CleanupChoice::parse(Some("on"), period, months, Some("on")).unwrap_err();
            assert_eq!(problems(refused), vec![(field.to_string(), problem)], "{period:?} {months:?}");
        }
    }

    #[test]
    fn a_hold_needs_a_short_reason() {
        assert_eq!(hold_reason("  Pågående sak  "), Ok("Pågående sak".into()));
        assert_eq!(problems(hold_reason("   ").unwrap_err()), vec![("reason".into(), Problem::Required)]);
        let long = "a".repeat(REASON_MAX + 1);
        assert_eq!(
            problems(hold_reason(&long).unwrap_err()),
            vec![("reason".into(), Problem::TooLong { max: REASON_MAX })]
        );
    }

    #[test]
    fn periods_in_whole_years_read_as_years() {
        assert_eq!(in_years(24), Some(2));
        assert_eq!(in_years(18), None);
    }
}
