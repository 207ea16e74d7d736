//! Times of day and lengths of time as people type and read them: `HH:MM` clock times, "1 h 30
//! min", "5 minutes ago", weekday names. (Dates are `dates`; the practice's time zone is
//! `local_time`.)

use crate::i18n::Texts;

/// `HH:MM` as minutes after midnight (00:00 to 24:00).
pub fn parse_clock(text: &str) -> Option<i64> {
    let (hours, minutes) = text.trim().split_once(':')?;
    if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
        return None;
    }
    let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
    let total = hours * 60 + minutes;
    ((0..24).contains(&hours) && (0..60).contains(&minutes) || total == 24 * 60).then_some(total)
}

pub fn clock_label(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "15 minutes", "1 hour", "1 h 30 min", "24 hours".
pub fn duration_label(minutes: i64, t: &Texts) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => t.minutes_n.replace("{n}", &m.to_string()),
        (1, 0) => t.hour_one.to_string(),
        (h, 0) => t.hours_n.replace("{n}", &h.to_string()),
        (h, m) => t.hours_minutes.replace("{h}", &h.to_string()).replace("{m}", &m.to_string()),
    }
}

/// "just now", "5 minutes ago", "3 days ago".
pub fn ago(secs: i64, t: &Texts) -> String {
    let (n, one, many) = match secs.max(0) {
        s if s < 60 => return t.ago_now.to_string(),
        s if s < 3600 => (s / 60, t.ago_minute, t.ago_minutes),
        s if s < 86_400 => (s / 3600, t.ago_hour, t.ago_hours),
        s => (s / 86_400, t.ago_day, t.ago_days),
    };
    if n == 1 { one.to_string() } else { many.replace("{n}", &n.to_string()) }
}

/// Monday is 0.
pub fn weekday_name(weekday: i64, t: &Texts) -> &'static str {
    [t.day_mon, t.day_tue, t.day_wed, t.day_thu, t.day_fri, t.day_sat, t.day_sun][weekday.rem_euclid(7) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, NB};

    #[test]
    fn relative_times() {
        assert_eq!(ago(5, &EN), "just now");
        assert_eq!(ago(60, &EN), "1 minute ago");
        assert_eq!(ago(5 * 60 + 30, &EN), "5 minutes ago");
        assert_eq!(ago(3600, &NB), "for 1 time siden");
        assert_eq!(ago(3 * 86_400, &NB), "for 3 dager siden");
        assert_eq!(ago(-10, &EN), "just now");
    }

    #[test]
    fn durations_between_whole_hours_show_hours_and_minutes() {
        assert_eq!(duration_label(50, &EN), "50 minutes");
        assert_eq!(duration_label(75, &EN), "1 h 15 min");
        assert_eq!(duration_label(90, &EN), "1 h 30 min");
        assert_eq!(duration_label(90, &NB), "1 t 30 min");
        assert_eq!(duration_label(120, &EN), "2 hours");
        assert_eq!(duration_label(150, &NB), "2 t 30 min");
    }

    #[test]
    fn clock_times() {
        assert_eq!(parse_clock("08:30"), Some(510));
        assert_eq!(parse_clock("8:30"), Some(510));
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("24:30"), None);
        assert_eq!(parse_clock("12:60"), None);
        assert_eq!(clock_label(510), "08:30");
    }

    #[test]
    fn weekdays_start_on_monday() {
        assert_eq!(weekday_name(0, &EN), EN.day_mon);
        assert_eq!(weekday_name(6, &NB), NB.day_sun);
        assert_eq!(weekday_name(7, &EN), EN.day_mon);
    }
}
