//! Local time in the practice's time zone. Appointments are stored in UTC; the calendar, the
//! opening hours and the booking page speak local dates and clock times.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Europe::Oslo)
}

pub fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The UTC instant of a local date and minute of the day; `None` for a time skipped by a
/// daylight-saving change. An ambiguous time (the hour repeated in autumn) takes the first.
pub fn to_utc(zone: Tz, date: NaiveDate, minute: i64) -> Option<i64> {
    let naive = date.and_hms_opt(0, 0, 0)? + Duration::minutes(minute);
    zone.from_local_datetime(&naive).earliest().map(|moment| moment.timestamp())
}

/// A UTC instant as the local date and minute of the day.
pub fn to_local(zone: Tz, timestamp: i64) -> (NaiveDate, i64) {
    let moment = zone.timestamp_opt(timestamp, 0).single().unwrap_or_else(|| zone.timestamp_opt(0, 0).unwrap());
    let local = moment.naive_local();
    (local.date(), i64::from(local.time().num_seconds_from_midnight()) / 60)
}

/// A UTC instant as local `YYYY-MM-DD HH:MM`.
pub fn moment_text(zone: Tz, timestamp: i64) -> String {
    let (date, minute) = to_local(zone, timestamp);
    format!("{} {:02}:{:02}", date_text(date), minute / 60, minute % 60)
}

/// Monday of the week a date lies in.
pub fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// 0 = Monday.
pub fn weekday(date: NaiveDate) -> i64 {
    i64::from(date.weekday().num_days_from_monday())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_round_trip_across_daylight_saving() {
        let oslo = zone("Europe/Oslo");
        let winter = date("2026-01-15").unwrap();
        let at = to_utc(oslo, winter, 9 * 60).unwrap();
        assert_eq!(at, 1_768_464_000, "09:00 in Oslo is 08:00 UTC in winter");
        assert_eq!(to_local(oslo, at), (winter, 540));
        let summer = date("2026-07-15").unwrap();
        let at = to_utc(oslo, summer, 9 * 60).unwrap();
        assert_eq!(to_local(oslo, at), (summer, 540));
        // 29 March 2026: clocks jump from 02:00 to 03:00.
        assert_eq!(to_utc(oslo, date("2026-03-29").unwrap(), 2 * 60 + 30), None);
        assert_eq!(zone("Not/AZone"), oslo);
    }

    #[test]
    fn weeks_start_on_monday() {
        let sunday = date("2026-11-29").unwrap();
        assert_eq!(date_text(monday_of(sunday)), "2026-11-23");
        assert_eq!(weekday(sunday), 6);
        assert_eq!(weekday(date("2026-11-23").unwrap()), 0);
    }
}
