//! Calendar dates as forms and links carry them: `YYYY-MM-DD` with a year from 1900 to 2200.
//! Every date Trygg reads from outside goes through [`parse_date`], so no far-off year (chrono's
//! `%Y` takes `+262142`, where a week later panics) ever reaches date arithmetic.

pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2200;

/// A `YYYY-MM-DD` date as (year, month, day): four-digit year from [`FIRST_YEAR`] to
/// [`LAST_YEAR`], and a day that exists in that month.
pub fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
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
    let (month, day) = (number(5..7)?, number(8..10)?);
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

    #[test]
    fn real_dates_in_range_parse() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("1900-01-01"), Some((1900, 1, 1)));
        assert_eq!(parse_date("2200-12-31"), Some((2200, 12, 31)));
        assert_eq!(parse_date("2000-02-29"), Some((2000, 2, 29)));
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
