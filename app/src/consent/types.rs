//! Consent declarations and requests: what the practitioner and the client see, and the checks.

use serde::{Deserialize, Serialize};

use crate::clients::types::text;
use crate::error::{AppError, FieldChecks, Problem};
use crate::i18n::Texts;

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const NAME_MAX: usize = 200;
/// How long a request's link can be used.
pub const LINK_DAYS: i64 = 14;

/// Where a client's consent stands: the newest request that was not revoked decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsentStatus {
    NotAsked,
    Sent,
    Opened,
    Signed,
    Declined,
    Withdrawn,
    Expired,
}

impl ConsentStatus {
    /// The status of a stored request at `now`: a link not yet answered expires.
    pub fn of(stored: &str, expires_at: i64, now: i64) -> Self {
        match stored {
            "sent" | "opened" if now >= expires_at => Self::Expired,
            "sent" => Self::Sent,
            "opened" => Self::Opened,
            "signed" => Self::Signed,
            "declined" => Self::Declined,
            "withdrawn" => Self::Withdrawn,
            _ => Self::NotAsked,
        }
    }

    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Self::NotAsked => t.consent_status_not_asked,
            Self::Sent => t.consent_status_sent,
            Self::Opened => t.consent_status_opened,
            Self::Signed => t.consent_status_signed,
            Self::Declined => t.consent_status_declined,
            Self::Withdrawn => t.consent_status_withdrawn,
            Self::Expired => t.consent_status_expired,
        }
    }

    /// The CSS class of its icon.
    pub fn class(self) -> &'static str {
        match self {
            Self::NotAsked => "consent-status not-asked",
            Self::Sent => "consent-status sent",
            Self::Opened => "consent-status opened",
            Self::Signed => "consent-status signed",
            Self::Declined => "consent-status declined",
            Self::Withdrawn => "consent-status withdrawn",
            Self::Expired => "consent-status expired",
        }
    }

    /// Whether the link can still be answered.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Sent | Self::Opened)
    }
}

/// A declaration in its current version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub body: String,
}

/// One request to one client, as the practitioner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: i64,
    pub title: String,
    pub version: i64,
    pub status: ConsentStatus,
    /// Local `YYYY-MM-DD HH:MM`.
    pub sent: String,
    pub decided: Option<String>,
}

/// What the client's link shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentPage {
    pub practice: String,
    pub title: String,
    pub body: String,
    pub status: ConsentStatus,
}

/// A declaration as typed: title and text, both required.
pub struct TemplateInput {
    pub title: String,
    pub body: String,
}

impl TemplateInput {
    pub fn parse(title: &str, body: &str) -> Result<Self, AppError> {
        let mut checks = FieldChecks::default();
        let title = checks.check("title", required(title, TITLE_MAX).map(|t| t.replace('\n', " ")));
        let body = checks.check("body", required(body, BODY_MAX));
        checks.finish(Self { title, body })
    }
}

/// The client's answer: the box ticked, the full name typed, and optionally a drawn signature.
pub fn signature(agree: bool, name: &str, drawn: &str) -> Result<(String, Option<Drawing>), AppError> {
    let mut checks = FieldChecks::default();
    checks.check("agree", if agree { Ok(String::new()) } else { Err(Problem::ConsentNotTicked) });
    let name = checks.check("name", required(name, NAME_MAX).map(|n| n.replace('\n', " ")));
    let drawn = checks.check("signature", Drawing::parse(drawn));
    checks.finish((name, drawn))
}

/// A signature drawn on the signing page: strokes of points on a `WIDTH` × `HEIGHT` grid, kept
/// as text (`x,y x,y;x,y …`, a stroke per `;`). Kept as lines rather than as a picture, so the
/// server never decodes an image from the internet, and the PDF draws it sharp at any size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drawing {
    pub strokes: Vec<Vec<(u16, u16)>>,
}

impl Drawing {
    pub const WIDTH: u16 = 600;
    pub const HEIGHT: u16 = 200;
    pub const MAX_POINTS: usize = 5_000;
    pub const MAX_STROKES: usize = 200;
    const MAX_TEXT: usize = 50_000;

    /// `None` for nothing drawn; `SignatureUnreadable` for text that is not strokes on the grid.
    pub fn parse(text: &str) -> Result<Option<Self>, Problem> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let unreadable = Problem::SignatureUnreadable;
        if text.len() > Self::MAX_TEXT {
            return Err(unreadable);
        }
        let mut strokes = Vec::new();
        let mut points = 0;
        for stroke in text.split(';') {
            let stroke = stroke
                .split_whitespace()
                .map(|point| {
                    let (x, y) = point.split_once(',')?;
                    let (x, y) = (x.parse::<u16>().ok()?, y.parse::<u16>().ok()?);
                    (x <= Self::WIDTH && y <= Self::HEIGHT).then_some((x, y))
                })
                .collect::<Option<Vec<_>>>()
                .ok_or(unreadable)?;
            if stroke.is_empty() {
                return Err(unreadable);
            }
            points += stroke.len();
            strokes.push(stroke);
        }
        if points > Self::MAX_POINTS || strokes.len() > Self::MAX_STROKES {
            return Err(unreadable);
        }
        Ok(Some(Self { strokes }))
    }

    pub fn to_text(&self) -> String {
        Self::text_of(&self.strokes)
    }

    /// Strokes as `Drawing` text, without making a `Drawing` of them.
    pub fn text_of(strokes: &[Vec<(u16, u16)>]) -> String {
        strokes
            .iter()
            .map(|stroke| stroke.iter().map(|(x, y)| format!("{x},{y}")).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(";")
    }
}

fn required(input: &str, max: usize) -> Result<String, Problem> {
    let cleaned = text(input, max)?;
    if cleaned.is_empty() { Err(Problem::Required) } else { Ok(cleaned) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanswered_links_expire_and_answers_stay() {
        assert_eq!(ConsentStatus::of("sent", 100, 99), ConsentStatus::Sent);
        assert_eq!(ConsentStatus::of("opened", 100, 100), ConsentStatus::Expired);
        assert_eq!(ConsentStatus::of("signed", 100, 500), ConsentStatus::Signed);
        assert_eq!(ConsentStatus::of("revoked", 100, 5), ConsentStatus::NotAsked);
        assert!(ConsentStatus::Opened.is_open() && !ConsentStatus::Expired.is_open());
    }

    #[test]
    fn a_signature_needs_the_box_and_a_name() {
        let error = signature(false, "  ", "").unwrap_err();
        assert_eq!(error.for_field("agree"), Some(Problem::ConsentNotTicked));
        assert_eq!(error.for_field("name"), Some(Problem::Required));
        assert_eq!(signature(true, " Ola Nordmann ", "").unwrap(), ("Ola Nordmann".into(), None));
    }

    #[test]
    fn a_drawn_signature_is_strokes_on_the_grid() {
        let (_, drawn) = signature(true, "Ola", " 10,20 30,40;600,200 ").unwrap();
        let drawn = drawn.unwrap();
        assert_eq!(drawn.strokes, vec![vec![(10, 20), (30, 40)], vec![(600, 200)]]);
        assert_eq!(drawn.to_text(), "10,20 30,40;600,200");
        assert_eq!(Drawing::parse(&drawn.to_text()), Ok(Some(drawn)));
        for bad in ["601,10", "10,201", "-1,5", "1,2;;3,4", "a,b", "1;2", "1,2,3", "<svg/>", &"1,1 ".repeat(5_001)] {
            let error = signature(true, "Ola", bad).unwrap_err();
            assert_eq!(error.for_field("signature"), Some(Problem::SignatureUnreadable), "{bad}");
        }
    }

    #[test]
    fn templates_need_a_title_and_a_text() {
        let error = TemplateInput::parse("", "").err().unwrap();
        assert_eq!(error.for_field("title"), Some(Problem::Required));
        assert_eq!(error.for_field("body"), Some(Problem::Required));
    }
}
