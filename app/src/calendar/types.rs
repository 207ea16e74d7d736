//! What the calendar shows: a week, three days or a day, with opening hours and appointments.

use serde::{Deserialize, Serialize};

use crate::consent::types::ConsentStatus;
use crate::ids::ClientId;

/// How many days the calendar shows (`?view=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarMode {
    /// No choice made: the week on a wide screen, three days on a tablet, the day on a phone
    /// (chosen in CSS, so it works without JavaScript and without knowing the screen).
    Auto,
    Week,
    ThreeDays,
    Day,
}

impl CalendarMode {
    pub fn parse(text: &str) -> Self {
        match text.trim() {
            "week" => Self::Week,
            "3days" => Self::ThreeDays,
            "day" => Self::Day,
            _ => Self::Auto,
        }
    }

    /// The query parameter that asks for it (empty for `Auto`).
    pub fn param(self) -> &'static str {
        match self {
            Self::Auto => "",
            Self::Week => "week",
            Self::ThreeDays => "3days",
            Self::Day => "day",
        }
    }

    /// The days shown: the first is `selected`, or the Monday of its week.
    pub fn days(self) -> i64 {
        match self {
            Self::Auto | Self::Week => 7,
            Self::ThreeDays => 3,
            Self::Day => 1,
        }
    }
}

/// Where the three days of `Auto` on a tablet start in the week: at the selected day, moved back
/// so that all three lie in the week (Saturday shows Friday to Sunday).
pub fn three_day_start(selected_weekday: i64) -> i64 {
    selected_weekday.clamp(0, 4)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekView {
    pub mode: CalendarMode,
    /// The Monday of the selected day's week, `YYYY-MM-DD`.
    pub monday: String,
    /// The day asked for, `YYYY-MM-DD`: the one shown alone on a phone.
    pub selected: String,
    pub today: String,
    /// The days shown, in order (7 for a week, 3, or 1).
    pub days: Vec<DayColumn>,
    /// The hours the grid spans, in minutes after midnight (from the opening hours, at least 08–16).
    pub first_minute: i64,
    pub last_minute: i64,
    pub appointments: Vec<AppointmentView>,
    /// Where the current-time line goes: index in `days` and minute, when today is shown.
    pub now: Option<(usize, i64)>,
    /// Idle minutes after which client data hides itself; 0 = off.
    pub hide_after_idle_minutes: i64,
    /// Whether this browser has client data hidden (its cookie), as the page was rendered: the
    /// hydrated page starts from the same state, whatever the cookie says by then.
    pub client_data_hidden: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayColumn {
    pub date: String,
    pub weekday: i64,
    pub open: Option<(i64, i64)>,
    pub today: bool,
    /// One of the three days `Auto` shows on a tablet.
    pub in_three: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub id: i64,
    /// Index in `WeekView::days`.
    pub day: usize,
    pub start_minute: i64,
    pub end_minute: i64,
    pub client_name: String,
    pub service_name: String,
    pub notes: String,
    pub online: bool,
    /// The service's palette colour.
    pub colour: String,
    /// The client has signed no consent declaration (or withdrew it).
    pub consent_missing: bool,
}

/// One appointment as its summary page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentOverview {
    pub id: i64,
    pub client_id: ClientId,
    pub client_name: String,
    pub service_name: String,
    pub colour: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub weekday: i64,
    pub start_minute: i64,
    pub end_minute: i64,
    pub notes: String,
    pub online: bool,
    pub consent: ConsentStatus,
    pub cancelled: bool,
}

/// One appointment as its edit page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentDetail {
    pub id: i64,
    pub client_id: ClientId,
    pub client_name: String,
    pub service_id: Option<i64>,
    pub date: String,
    pub time: String,
    pub duration_minutes: i64,
    pub notes: String,
    pub cancelled: bool,
}

/// The idle-minute choices for hiding client data by itself (0 = off).
pub const HIDE_IDLE_CHOICES: [i64; 6] = [0, 1, 2, 5, 10, 15];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_come_from_the_query() {
        for mode in [CalendarMode::Week, CalendarMode::ThreeDays, CalendarMode::Day] {
            assert_eq!(CalendarMode::parse(mode.param()), mode);
        }
        assert_eq!(CalendarMode::parse(""), CalendarMode::Auto);
        assert_eq!(CalendarMode::parse("month"), CalendarMode::Auto);
        assert_eq!(three_day_start(2), 2);
        assert_eq!(three_day_start(5), 4);
        assert_eq!(three_day_start(6), 4);
    }
}
