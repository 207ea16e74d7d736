//! What the calendar shows: a week of days with their opening hours and appointments.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekView {
    /// The Monday, `YYYY-MM-DD`.
    pub monday: String,
    /// The day shown alone on a phone, `YYYY-MM-DD`.
    pub selected: String,
    pub days: Vec<DayColumn>,
    /// The hours the grid spans, in minutes after midnight (from the opening hours, at least 08–16).
    pub first_minute: i64,
    pub last_minute: i64,
    pub appointments: Vec<AppointmentView>,
    /// Where the current-time line goes: day index and minute, when now is in this week.
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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub id: i64,
    pub day: usize,
    pub start_minute: i64,
    pub end_minute: i64,
    pub client_name: String,
    pub service_name: String,
    pub notes: String,
    pub online: bool,
}

/// One appointment as its edit page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentDetail {
    pub id: i64,
    pub client_id: i64,
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
