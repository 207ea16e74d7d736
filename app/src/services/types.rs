//! Services (what can be booked) and opening hours, with their validated inputs.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError, Problem};
use crate::times::parse_clock;

const SERVICE_NAME_MAX: usize = 100;
pub const DURATION_CHOICES: [i64; 10] = [15, 20, 30, 45, 50, 60, 75, 90, 120, 180];
const PRICE_MAX_ORE: i64 = 100_000_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: i64,
    pub name: String,
    pub duration_minutes: i64,
    pub price_ore: Option<i64>,
    /// One of [`COLOURS`]: how its appointments look in the calendar.
    pub colour: String,
}

/// The calendar's palette, calm tints that keep dark text readable (WCAG AA); each service
/// takes one. Their looks are the `svc-<name>` classes in `style/main.css`.
pub const COLOURS: [&str; 8] = ["teal", "blue", "violet", "rose", "amber", "green", "slate", "coral"];

/// The colour a service is drawn in: a stored colour that left the palette falls back to the first.
pub fn colour_class(colour: &str) -> &'static str {
    match COLOURS.iter().position(|c| *c == colour).unwrap_or(0) {
        0 => "svc-teal",
        1 => "svc-blue",
        2 => "svc-violet",
        3 => "svc-rose",
        4 => "svc-amber",
        5 => "svc-green",
        6 => "svc-slate",
        _ => "svc-coral",
    }
}

/// The first colour no service has yet (the first of the palette when all are taken).
pub fn next_colour<'a>(taken: impl IntoIterator<Item = &'a str>) -> &'static str {
    let taken: Vec<&str> = taken.into_iter().collect();
    COLOURS.into_iter().find(|c| !taken.contains(c)).unwrap_or(COLOURS[0])
}

impl Service {
    /// "850 kr" or "850,50 kr"; empty without a price.
    pub fn price_label(&self) -> String {
        self.price_ore.map(format_price).unwrap_or_default()
    }
}

pub fn format_price(ore: i64) -> String {
    if ore % 100 == 0 { format!("{} kr", ore / 100) } else { format!("{},{:02} kr", ore / 100, ore % 100) }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInput {
    pub name: String,
    pub duration_minutes: i64,
    pub price_ore: Option<i64>,
    /// `None`: not chosen, the store picks a free one.
    pub colour: Option<&'static str>,
}

impl ServiceInput {
    pub fn parse(name: &str, duration: &str, price: &str, colour: &str) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let name = name.trim().to_string();
        if name.is_empty() {
            errors.push(FieldError { field: "name".into(), problem: Problem::Required });
        } else if name.chars().count() > SERVICE_NAME_MAX {
            errors.push(FieldError { field: "name".into(), problem: Problem::TooLong { max: SERVICE_NAME_MAX } });
        }
        let duration_minutes = duration.trim().parse::<i64>().ok().filter(|m| DURATION_CHOICES.contains(m));
        if duration_minutes.is_none() {
            errors.push(FieldError { field: "duration".into(), problem: Problem::NotAllowedValue });
        }
        let price_ore = match parse_price(price) {
            Ok(price) => price,
            Err(problem) => {
                errors.push(FieldError { field: "price".into(), problem });
                None
            }
        };
        let colour = match colour.trim() {
            "" => None,
            chosen => {
                let known = COLOURS.into_iter().find(|c| *c == chosen);
                if known.is_none() {
                    errors.push(FieldError { field: "colour".into(), problem: Problem::NotAllowedValue });
                }
                known
            }
        };
        match (errors.is_empty(), duration_minutes) {
            (true, Some(duration_minutes)) => Ok(Self { name, duration_minutes, price_ore, colour }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// Kroner as typed ("850", "850,50", "850.5", "1 200"), in øre. Empty means no price.
pub fn parse_price(input: &str) -> Result<Option<i64>, Problem> {
    let text: String = input.trim().trim_end_matches("kr").trim().chars().filter(|c| *c != ' ').collect();
    if text.is_empty() {
        return Ok(None);
    }
    let text = text.replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && (!digits(fraction) || fraction.len() > 2)) || whole.len() > 9 {
        return Err(Problem::InvalidPrice);
    }
    let kroner: i64 = whole.parse().map_err(|_| Problem::InvalidPrice)?;
    let ore: i64 = format!("{fraction:0<2}").parse().map_err(|_| Problem::InvalidPrice)?;
    let total = kroner * 100 + ore;
    if total > PRICE_MAX_ORE { Err(Problem::InvalidPrice) } else { Ok(Some(total)) }
}

/// One weekday's opening hours, in minutes after local midnight; `None` when closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    /// 0 = Monday.
    pub weekday: i64,
    pub open: Option<(i64, i64)>,
}

/// The week's hours from the form: `d{day}_open` (a checkbox), `d{day}_from` and `d{day}_to`.
/// (A key must not start with a digit: the form decoder would take it for a list index.)
pub fn parse_week(form: &std::collections::HashMap<String, String>) -> Result<Vec<DayHours>, AppError> {
    let mut errors = Vec::new();
    let mut week = Vec::with_capacity(7);
    for weekday in 0..7 {
        let field = |name: &str| form.get(&format!("d{weekday}_{name}")).map(String::as_str).unwrap_or_default();
        if field("open").is_empty() {
            week.push(DayHours { weekday, open: None });
            continue;
        }
        match (parse_clock(field("from")), parse_clock(field("to"))) {
            (Some(from), Some(to)) if from < to => week.push(DayHours { weekday, open: Some((from, to)) }),
            (Some(_), Some(_)) => {
                errors.push(FieldError { field: format!("d{weekday}_to"), problem: Problem::ClosesBeforeOpening })
            }
            _ => errors.push(FieldError { field: format!("d{weekday}_from"), problem: Problem::InvalidTime }),
        }
    }
    if errors.is_empty() { Ok(week) } else { Err(AppError::Validation(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_in_kroner_become_ore() {
        assert_eq!(parse_price(""), Ok(None));
        assert_eq!(parse_price("850"), Ok(Some(85_000)));
        assert_eq!(parse_price("850,5"), Ok(Some(85_050)));
        assert_eq!(parse_price("1 200,00 kr"), Ok(Some(120_000)));
        assert_eq!(parse_price("12.345"), Err(Problem::InvalidPrice));
        assert_eq!(parse_price("-5"), Err(Problem::InvalidPrice));
        assert_eq!(parse_price("gratis"), Err(Problem::InvalidPrice));
        assert_eq!(format_price(85_050), "850,50 kr");
        assert_eq!(format_price(85_000), "850 kr");
    }

    #[test]
    fn services_need_a_name_and_a_listed_duration() {
        let error = ServiceInput::parse(" ", "7", "abc", "chartreuse").unwrap_err();
        assert_eq!(error.for_field("name"), Some(Problem::Required));
        assert_eq!(error.for_field("colour"), Some(Problem::NotAllowedValue));
        assert_eq!(error.for_field("duration"), Some(Problem::NotAllowedValue));
        assert_eq!(error.for_field("price"), Some(Problem::InvalidPrice));
        let ok = ServiceInput::parse("Samtale", "50", "", "").unwrap();
        assert_eq!((ok.duration_minutes, ok.price_ore, ok.colour), (50, None, None));
        assert_eq!(ServiceInput::parse("Samtale", "50", "", "rose").unwrap().colour, Some("rose"));
    }

    #[test]
    fn colours_come_from_the_palette() {
        assert_eq!(colour_class("violet"), "svc-violet");
        assert_eq!(colour_class("url(evil)"), "svc-teal");
        assert_eq!(next_colour(["teal", "violet"]), "blue");
        assert_eq!(next_colour(COLOURS), "teal");
        for (i, colour) in COLOURS.into_iter().enumerate() {
            assert_eq!(colour_class(colour), format!("svc-{colour}"), "{i}");
        }
    }

    #[test]
    fn weeks() {
        let mut form = std::collections::HashMap::new();
        form.insert("d0_open".to_string(), "on".to_string());
        form.insert("d0_from".to_string(), "08:00".to_string());
        form.insert("d0_to".to_string(), "16:00".to_string());
        let week = parse_week(&form).unwrap();
        assert_eq!(week[0].open, Some((480, 960)));
        assert_eq!(week[1].open, None);
        form.insert("d0_to".to_string(), "07:00".to_string());
        assert_eq!(parse_week(&form).unwrap_err().for_field("d0_to"), Some(Problem::ClosesBeforeOpening));
    }
}
