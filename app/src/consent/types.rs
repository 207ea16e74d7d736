//! Consent declarations and requests: what the practitioner and the client see, and the checks.

use client_pages::signature;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldChecks, Problem};
use crate::fields::text;
use crate::i18n::{Lang, Texts};

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const NAME_MAX: usize = 200;
/// How long a request's link can be used.
pub const LINK_DAYS: i64 = 14;
/// How long after the answer the link still shows the declaration and serves the signed copy
/// (with its IP addresses, browsers and signature). Later it offers only withdrawal, with a code.
pub const COPY_DAYS: i64 = 30;
/// A withdrawal code: six digits, for ten minutes, at most five tries.
pub const CODE_LIFETIME_SECS: i64 = 10 * 60;
pub const CODE_TRIES: i64 = 5;
/// Codes mailed for one link: at most one a minute and five a day, so the link cannot flood the
/// client's mailbox, and a guesser gets at most 25 tries a day at a million codes.
pub const CODE_RESEND_SECS: i64 = 60;
pub const CODE_MAILS_PER_DAY: i64 = 5;

/// A stored request's status, kept as text in `consent_requests.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestStatus {
    Sent,
    Opened,
    Signed,
    Declined,
    Withdrawn,
    Revoked,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Opened => "opened",
            Self::Signed => "signed",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Sent, Self::Opened, Self::Signed, Self::Declined, Self::Withdrawn, Self::Revoked]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

#[cfg(feature = "ssr")]
mod sql {
    use sqlx::any::{AnyTypeInfo, AnyValueRef};
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::{Any, Database, Decode, Encode, Type};

    use super::RequestStatus;

    impl Type<Any> for RequestStatus {
        fn type_info() -> AnyTypeInfo {
            <str as Type<Any>>::type_info()
        }
    }

    impl<'q> Encode<'q, Any> for RequestStatus {
        fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
            <&str as Encode<'q, Any>>::encode(self.as_str(), buf)
        }
    }

    impl<'r> Decode<'r, Any> for RequestStatus {
        fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
            let text = <String as Decode<Any>>::decode(value)?;
            RequestStatus::parse(&text).ok_or_else(|| format!("unknown consent request status {text:?}").into())
        }
    }
}

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
    pub fn of(stored: RequestStatus, expires_at: i64, now: i64) -> Self {
        match stored {
            RequestStatus::Sent | RequestStatus::Opened if now >= expires_at => Self::Expired,
            RequestStatus::Sent => Self::Sent,
            RequestStatus::Opened => Self::Opened,
            RequestStatus::Signed => Self::Signed,
            RequestStatus::Declined => Self::Declined,
            RequestStatus::Withdrawn => Self::Withdrawn,
            RequestStatus::Revoked => Self::NotAsked,
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
    /// The language it is written in; `None` for versions saved before that was asked.
    pub lang: Option<Lang>,
}

impl Template {
    /// The language the client is addressed in about this declaration: its own, else `fallback`.
    pub fn lang_or(&self, fallback: Lang) -> Lang {
        self.lang.unwrap_or(fallback)
    }
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
    pub status: ConsentStatus,
    /// The declaration; `None` once the link's `COPY_DAYS` after the answer are over.
    pub declaration: Option<Declaration>,
    /// Until when (local `YYYY-MM-DD HH:MM`) the client's own signed copy can be downloaded
    /// through the link; `None` when it cannot (any more).
    pub copy_until: Option<String>,
    /// Whether withdrawing needs a one-time code mailed to the client.
    pub withdraw_needs_code: bool,
    /// The declaration's language, which the page speaks unless the client chose another.
    pub lang: Option<Lang>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub practice: String,
    pub title: String,
    pub body: String,
}

/// The language of the link's page: the one the client chose with the switch, else the
/// declaration's, else the browser's.
pub fn page_lang(chosen: Option<Lang>, declaration: Option<Lang>, browser: Lang) -> Lang {
    chosen.or(declaration).unwrap_or(browser)
}

/// What a link offers at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkOffer {
    pub declaration: bool,
    pub copy: bool,
    pub withdraw_needs_code: bool,
}

impl LinkOffer {
    /// Within `COPY_DAYS` of the answer (or before one): the declaration, and for a signature the
    /// copy and a plain withdrawal. Later only the status, and withdrawal of a signature with a
    /// code mailed to the client: a link found in an old mail no longer reads out the evidence.
    pub fn at(status: ConsentStatus, decided_at: Option<i64>, now: i64) -> Self {
        let answered = matches!(status, ConsentStatus::Signed | ConsentStatus::Withdrawn | ConsentStatus::Declined);
        let recent = !answered || decided_at.is_some_and(|at| now < at + COPY_DAYS * 86_400);
        Self {
            declaration: recent,
            copy: recent && matches!(status, ConsentStatus::Signed | ConsentStatus::Withdrawn),
            withdraw_needs_code: !recent && status == ConsentStatus::Signed,
        }
    }
}

/// A declaration as typed: title and text, both required, and the language it is written in.
pub struct TemplateInput {
    pub title: String,
    pub body: String,
    pub lang: Lang,
}

impl TemplateInput {
    pub fn parse(title: &str, body: &str, lang: &str) -> Result<Self, AppError> {
        let mut checks = FieldChecks::default();
        let title = checks.check("title", required(title, TITLE_MAX).map(|t| t.replace('\n', " ")));
        let body = checks.check("body", required(body, BODY_MAX));
        let lang = checks.check("lang", template_lang(lang));
        checks.finish(Self { title, body, lang: lang.unwrap_or(Lang::Nb) })
    }
}

/// The language picked for a declaration: exactly one of the codes the form offers.
fn template_lang(code: &str) -> Result<Option<Lang>, Problem> {
    match code {
        "nb" => Ok(Some(Lang::Nb)),
        "en" => Ok(Some(Lang::En)),
        _ => Err(Problem::NotAllowedValue),
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
    pub const WIDTH: u16 = signature::WIDTH;
    pub const HEIGHT: u16 = signature::HEIGHT;
    pub const MAX_POINTS: usize = signature::MAX_POINTS;
    pub const MAX_STROKES: usize = signature::MAX_STROKES;
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
        signature::text_of(&self.strokes)
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
        assert_eq!(ConsentStatus::of(RequestStatus::Sent, 100, 99), ConsentStatus::Sent);
        assert_eq!(ConsentStatus::of(RequestStatus::Opened, 100, 100), ConsentStatus::Expired);
        assert_eq!(ConsentStatus::of(RequestStatus::Signed, 100, 500), ConsentStatus::Signed);
        assert_eq!(ConsentStatus::of(RequestStatus::Revoked, 100, 5), ConsentStatus::NotAsked);
        assert!(ConsentStatus::Opened.is_open() && !ConsentStatus::Expired.is_open());
    }

    #[test]
    fn request_statuses_read_back_as_stored() {
        for text in ["sent", "opened", "signed", "declined", "withdrawn", "revoked"] {
            assert_eq!(RequestStatus::parse(text).map(RequestStatus::as_str), Some(text));
        }
        assert_eq!(RequestStatus::parse("Signed"), None);
        assert_eq!(RequestStatus::parse(""), None);
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
    fn an_answered_link_shows_the_declaration_and_copy_for_thirty_days_then_withdrawal_by_code() {
        let day = 86_400;
        let signed_at = 1_000 * day;
        let offer = |status, days: i64| LinkOffer::at(status, Some(signed_at), signed_at + days * day);
        let fresh = LinkOffer { declaration: true, copy: true, withdraw_needs_code: false };
        assert_eq!(offer(ConsentStatus::Signed, 0), fresh);
        assert_eq!(LinkOffer::at(ConsentStatus::Signed, Some(signed_at), signed_at + COPY_DAYS * day - 1), fresh);
        let old = LinkOffer { declaration: false, copy: false, withdraw_needs_code: true };
        assert_eq!(offer(ConsentStatus::Signed, COPY_DAYS), old);
        assert_eq!(offer(ConsentStatus::Signed, 3_000), old);
        assert_eq!(offer(ConsentStatus::Withdrawn, 29), fresh);
        let closed = LinkOffer { declaration: false, copy: false, withdraw_needs_code: false };
        assert_eq!(offer(ConsentStatus::Withdrawn, 30), closed);
        assert_eq!(offer(ConsentStatus::Declined, 30), closed);
        assert_eq!(
            offer(ConsentStatus::Declined, 1),
            LinkOffer { declaration: true, copy: false, withdraw_needs_code: false }
        );
        for unanswered in [ConsentStatus::Sent, ConsentStatus::Opened, ConsentStatus::Expired] {
            let offer = LinkOffer::at(unanswered, None, signed_at);
            assert!(offer.declaration && !offer.copy && !offer.withdraw_needs_code);
        }
        assert_eq!(LinkOffer::at(ConsentStatus::Signed, None, 0), old, "no answer time: nothing is served");
    }

    #[test]
    fn templates_need_a_title_and_a_text() {
        let error = TemplateInput::parse("", "", "nb").err().unwrap();
        assert_eq!(error.for_field("title"), Some(Problem::Required));
        assert_eq!(error.for_field("body"), Some(Problem::Required));
        assert_eq!(error.for_field("lang"), None);
    }

    #[test]
    fn the_page_speaks_the_declarations_language_unless_the_client_chose_another() {
        assert_eq!(page_lang(None, Some(Lang::Nb), Lang::En), Lang::Nb);
        assert_eq!(page_lang(None, Some(Lang::En), Lang::Nb), Lang::En);
        assert_eq!(page_lang(Some(Lang::En), Some(Lang::Nb), Lang::Nb), Lang::En);
        assert_eq!(page_lang(None, None, Lang::Nb), Lang::Nb, "a declaration from before languages");
    }

    #[test]
    fn templates_are_written_in_one_of_the_offered_languages() {
        assert_eq!(TemplateInput::parse("T", "B", "en").map(|t| t.lang).ok(), Some(Lang::En));
        assert_eq!(TemplateInput::parse("T", "B", "nb").map(|t| t.lang).ok(), Some(Lang::Nb));
        for bad in ["", "de", "NB", "nb-NO", "no"] {
            let error = TemplateInput::parse("T", "B", bad).err().unwrap();
            assert_eq!(error.for_field("lang"), Some(Problem::NotAllowedValue), "{bad}");
        }
    }
}
