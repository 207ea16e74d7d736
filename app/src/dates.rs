//! Calendar dates as forms and links carry them: `YYYY-MM-DD` with a year from 1900 to 2200.
//! Every date Trygg reads from outside goes through [`parse_date`], so no far-off year (chrono's
//! `%Y` takes `+262142`, where a week later panics) ever reaches date arithmetic.
//!
//! And dates as people read them: one short and one long form per language, used by every page,
//! PDF and mail ([`short_date`], [`long_date`], [`moment`]). Server and browser carry dates as
//! `YYYY-MM-DD` (and moments as `YYYY-MM-DD HH:MM`) and format them only where they are shown.

use chrono::{Datelike, NaiveDate};

use crate::i18n::Lang;

pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2200;

/// A `YYYY-MM-DD` date: four digits for a year from [`FIRST_YEAR`] to [`LAST_YEAR`], and a day
/// that exists in that month. Stricter than chrono's own parsing, which takes signs, short and
/// very long years.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    let year = i32::try_from(number(0..4)?).ok().filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
}

/// `YYYY-MM-DD`, as forms and links carry a date.
pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// `days` later (or earlier, when negative); `None` past the end of chrono's calendar.
pub fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(chrono::Duration::try_days(days)?)
}

const MONTHS_NB: [&str; 12] =
    ["jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des."];
const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The compact form, for tables and narrow columns: `25.11.2026`, `25/11/2026`.
pub fn short_date(lang: Lang, date: NaiveDate) -> String {
    let (year, month, day) = (date.year(), date.month(), date.day());
    match lang {
        Lang::Nb => format!("{day:02}.{month:02}.{year}"),
        Lang::En => format!("{day:02}/{month:02}/{year}"),
    }
}

/// The form used in text, headings and documents: `25. nov. 2026`, `25 Nov 2026`.
pub fn long_date(lang: Lang, date: NaiveDate) -> String {
    let (year, month, day) = (date.year(), date.month0() as usize, date.day());
    match lang {
        Lang::Nb => format!("{day}. {} {year}", MONTHS_NB[month]),
        Lang::En => format!("{day} {} {year}", MONTHS_EN[month]),
    }
}

/// A `YYYY-MM-DD` date in its long form; text that is no such date is shown as it is.
pub fn long_date_of(lang: Lang, iso: &str) -> String {
    parse_date(iso).map_or_else(|| iso.to_string(), |date| long_date(lang, date))
}

/// A `YYYY-MM-DD` date in its short form; text that is no such date is shown as it is.
pub fn short_date_of(lang: Lang, iso: &str) -> String {
    parse_date(iso).map_or_else(|| iso.to_string(), |date| short_date(lang, date))
}

/// A run of days in the long form, the shared parts said once: `25.–29. nov. 2026` /
/// `25–29 Nov 2026`, across months `30. nov.–6. des. 2026`, across years
/// `28. des. 2026–3. jan. 2027`; one day is its long date. Empty when either end is no date.
pub fn period(lang: Lang, first: &str, last: &str) -> String {
    let (Some(start), Some(end)) = (parse_date(first), parse_date(last)) else { return String::new() };
    let ((y1, m1, d1), (y2, m2, d2)) =
        ((start.year(), start.month(), start.day()), (end.year(), end.month(), end.day()));
    let months = match lang {
        Lang::Nb => &MONTHS_NB,
        Lang::En => &MONTHS_EN,
    };
    let day = |d: u32| match lang {
        Lang::Nb => format!("{d}."),
        Lang::En => d.to_string(),
    };
    let day_month = |d: u32, m: u32| format!("{} {}", day(d), months[m as usize - 1]);
    if start == end {
        long_date(lang, start)
    } else if (y1, m1) == (y2, m2) {
        format!("{}–{} {y1}", day(d1), day_month(d2, m2))
    } else if y1 == y2 {
        format!("{}–{} {y1}", day_month(d1, m1), day_month(d2, m2))
    } else {
        format!("{} {y1}–{} {y2}", day_month(d1, m1), day_month(d2, m2))
    }
}

/// A local `YYYY-MM-DD HH:MM` moment: the long date and the clock time, `25. nov. 2026 kl. 14:05`
/// and `25 Nov 2026, 14:05`. Text of another shape is shown as it is.
pub fn moment(lang: Lang, iso: &str) -> String {
    let Some((date, clock)) = iso.split_once(' ') else { return long_date_of(lang, iso) };
    let clock_shaped = clock.len() == 5 && clock.as_bytes()[2] == b':';
    match parse_date(date) {
        Some(date) if clock_shaped => match lang {
            Lang::Nb => format!("{} kl. {clock}", long_date(lang, date)),
            Lang::En => format!("{}, {clock}", long_date(lang, date)),
        },
        _ => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_say_the_shared_parts_once() {
        let (nb, en) = (Lang::Nb, Lang::En);
        assert_eq!(period(nb, "2026-11-25", "2026-11-29"), "25.–29. nov. 2026");
        assert_eq!(period(en, "2026-11-25", "2026-11-29"), "25–29 Nov 2026");
        assert_eq!(period(nb, "2026-11-30", "2026-12-06"), "30. nov.–6. des. 2026");
        assert_eq!(period(en, "2026-11-30", "2026-12-06"), "30 Nov–6 Dec 2026");
        assert_eq!(period(nb, "2026-12-28", "2027-01-03"), "28. des. 2026–3. jan. 2027");
        assert_eq!(period(en, "2026-12-28", "2027-01-03"), "28 Dec 2026–3 Jan 2027");
        assert_eq!(period(nb, "2026-03-04", "2026-03-04"), "4. mars 2026");
        assert_eq!(period(en, "nonsense", "2026-03-04"), "");
    }

    #[test]
    fn one_short_and_one_long_form_per_language() {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let date = ymd(2026, 11, 25);
        assert_eq!(short_date(Lang::Nb, date), "25.11.2026");
        assert_eq!(short_date(Lang::En, date), "25/11/2026");
        assert_eq!(long_date(Lang::Nb, date), "25. nov. 2026");
        assert_eq!(long_date(Lang::En, date), "25 Nov 2026");
        assert_eq!(short_date(Lang::Nb, ymd(2027, 3, 1)), "01.03.2027");
        assert_eq!(long_date(Lang::Nb, ymd(2027, 3, 1)), "1. mars 2027");
        assert_eq!(long_date(Lang::En, ymd(2027, 5, 9)), "9 May 2027");
    }

    #[test]
    fn carried_dates_and_moments_are_formatted_where_shown() {
        assert_eq!(long_date_of(Lang::Nb, "2026-11-25"), "25. nov. 2026");
        assert_eq!(short_date_of(Lang::En, "2026-11-25"), "25/11/2026");
        assert_eq!(moment(Lang::Nb, "2026-11-25 09:05"), "25. nov. 2026 kl. 09:05");
        assert_eq!(moment(Lang::En, "2026-11-25 09:05"), "25 Nov 2026, 09:05");
        assert_eq!(moment(Lang::En, "2026-11-25"), "25 Nov 2026");
        // Anything else is left as it came, never guessed at.
        for odd in ["", "soon", "2026-13-01", "2026-11-25 9:5", "2026-11-25T09:05"] {
            assert_eq!(moment(Lang::Nb, odd), odd);
        }
        assert_eq!(long_date_of(Lang::En, "1. jan"), "1. jan");
    }

    #[test]
    fn real_dates_in_range_parse() {
        for text in ["2024-02-29", "1900-01-01", "2200-12-31", "2000-02-29"] {
            assert_eq!(parse_date(text).map(date_text).as_deref(), Some(text));
        }
    }

    #[test]
    fn days_are_added_across_months_years_and_leap_days() {
        let shifted = |text, days| add_days(parse_date(text).unwrap(), days).map(date_text);
        assert_eq!(shifted("2026-12-28", 7).as_deref(), Some("2027-01-04"));
        assert_eq!(shifted("2024-03-01", -1).as_deref(), Some("2024-02-29"));
        assert_eq!(shifted("2026-11-30", -30).as_deref(), Some("2026-10-31"));
    }

    #[test]
    fn impossible_and_far_off_dates_do_not() {
        for text in [
            "2023-02-29",
            "1900-02-29",
            "2023-13-01",
            "2023-00-10",
            "2023-04-31",
            "2023-01-00",
            "23-1-1",
            "1899-12-31",
            "2201-01-01",
            "9999-12-31",
            "0000-01-01",
            "+262142-12-31",
            "+262143-12-31",
            "-262143-01-01",
            "+999-01-01",
            "-999-01-01",
            "2023-+1-01",
            "2023-1 -01",
            " 2023-01-01",
            "2023-01-01 ",
            "２０２３-01-01",
            "2023-01-1é",
            "",
        ] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
    }
}
