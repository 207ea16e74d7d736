//! Local time in the practice's time zone. Appointments are stored in UTC; the calendar, the
//! opening hours and the booking page speak local dates and clock times.

use chrono::{Datelike, Days, Duration, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

use crate::dates::date_text;

pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Europe::Oslo)
}

/// The UTC instant of a local date and minute of the day; `None` for a time skipped by a
/// daylight-saving change. An ambiguous time (the hour repeated in autumn) takes the first.
pub fn to_utc(zone: Tz, date: NaiveDate, minute: i64) -> Option<i64> {
    let naive = date.and_hms_opt(0, 0, 0)?.checked_add_signed(Duration::try_minutes(minute)?)?;
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

/// A UTC instant in RFC 3339 with the practice's offset (`2026-11-30T09:15:00+01:00`): readable,
/// and exact for a program reading an export.
pub fn instant_text(zone: Tz, timestamp: i64) -> String {
    zone.timestamp_opt(timestamp, 0)
        .single()
        .map(|moment| moment.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .unwrap_or_default()
}

/// Monday of the week a date lies in; `None` before the first Monday of chrono's calendar.
pub fn monday_of(date: NaiveDate) -> Option<NaiveDate> {
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
}

/// 0 = Monday.
pub fn weekday(date: NaiveDate) -> i64 {
    i64::from(date.weekday().num_days_from_monday())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::{add_days, parse_date as date};

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
        assert_eq!(date_text(monday_of(sunday).unwrap()), "2026-11-23");
        assert_eq!(weekday(sunday), 6);
        assert_eq!(weekday(date("2026-11-23").unwrap()), 0);
    }

    /// chrono itself reads `+262142-12-31` (its last day), and a week after it panics: such dates
    /// never get in.
    #[test]
    fn far_off_dates_are_refused_and_arithmetic_is_checked() {
        let last = NaiveDate::parse_from_str("+262142-12-31", "%Y-%m-%d").expect("what chrono accepts");
        assert_eq!(last, NaiveDate::MAX);
        for text in ["+262142-12-31", "+262143-12-31", "-262143-01-01", "2201-01-01", "1899-12-31", "2026-02-30"] {
            assert_eq!(date(text), None, "{text}");
        }
        assert_eq!(add_days(NaiveDate::MAX, 7), None);
        assert_eq!(add_days(NaiveDate::MIN, -1), None);
        assert_eq!(add_days(date("2200-12-31").unwrap(), 7), NaiveDate::from_ymd_opt(2201, 1, 7));
        assert_eq!(add_days(date("2026-01-01").unwrap(), i64::MAX), None);
        assert_eq!(to_utc(zone("UTC"), date("2026-01-01").unwrap(), i64::MAX), None);
        assert_eq!(to_utc(zone("UTC"), NaiveDate::MAX, 24 * 60), None);
    }
}
