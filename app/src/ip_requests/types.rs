//! A request for a booking's IP address, as the practice and support see it, and the rules for
//! what each form accepts. Shared by server and browser.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError, Problem};
use crate::i18n::Texts;
use crate::ids::{ClientId, IpRequestId};

/// A practice has at most this many requests open (undecided, or approved and not yet seen).
pub const MAX_OPEN: i64 = 3;
/// An undecided request expires after this many days.
pub const OPEN_DAYS: i64 = 90;
/// An approved address must be seen within this many days; retention keeps it that long.
pub const APPROVED_DAYS: i64 = 30;
pub const REASON_MIN: usize = 30;
pub const REASON_MAX: usize = 2000;
pub const REFERENCE_MAX: usize = 200;
pub const CASE_REFERENCE_MAX: usize = 100;
pub const NOTE_MAX: usize = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IpRequestStatus {
    /// Sent to support, not yet opened there.
    Sent,
    /// Support has opened it (and takes it to the data protection authority).
    InReview,
    Approved,
    Refused,
    /// Approved, and the practitioner has seen the address.
    Released,
    /// Not decided in time, or approved and not seen in time.
    Expired,
}

impl IpRequestStatus {
    const ALL: [Self; 6] = [Self::Sent, Self::InReview, Self::Approved, Self::Refused, Self::Released, Self::Expired];

    pub fn code(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::InReview => "review",
            Self::Approved => "approved",
            Self::Refused => "refused",
            Self::Released => "released",
            Self::Expired => "expired",
        }
    }

    /// An unknown code reads as expired: it releases nothing.
    pub fn from_code(code: &str) -> Self {
        Self::ALL.into_iter().find(|status| status.code() == code).unwrap_or(Self::Expired)
    }

    /// The status as it stands at `now`: an open request past its time has expired, whether or
    /// not a job has written that down yet.
    pub fn at(self, expires_at: i64, now: i64) -> Self {
        if self.is_open() && now >= expires_at { Self::Expired } else { self }
    }

    /// Still waiting for support, or for the practitioner to look.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Sent | Self::InReview | Self::Approved)
    }

    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Self::Sent => t.ip_status_sent,
            Self::InReview => t.ip_status_review,
            Self::Approved => t.ip_status_approved,
            Self::Refused => t.ip_status_refused,
            Self::Released => t.ip_status_released,
            Self::Expired => t.ip_status_expired,
        }
    }

    /// The badge colour class, as the other status badges use them.
    pub fn class(self) -> &'static str {
        match self {
            Self::Sent | Self::InReview => "badge status-pending",
            Self::Approved | Self::Released => "badge status-approved",
            Self::Refused | Self::Expired => "badge status-rejected",
        }
    }
}

fn length_problem(text: &str, min: usize, max: usize) -> Option<Problem> {
    let length = text.chars().count();
    if length == 0 {
        Some(Problem::Required)
    } else if length < min {
        Some(Problem::TooShort { min })
    } else if length > max {
        Some(Problem::TooLong { max })
    } else {
        None
    }
}

fn check(problems: Vec<(&str, Option<Problem>)>) -> Result<(), AppError> {
    let errors: Vec<FieldError> = problems
        .into_iter()
        .filter_map(|(field, problem)| problem.map(|problem| FieldError { field: field.into(), problem }))
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// What the practitioner writes: who the client is (as they name them) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestText {
    pub client_reference: String,
    pub reason: String,
}

impl RequestText {
    pub fn parse(client_reference: &str, reason: &str) -> Result<Self, AppError> {
        let (client_reference, reason) = (client_reference.trim(), reason.trim());
        check(vec![
            ("client_reference", length_problem(client_reference, 1, REFERENCE_MAX)),
            ("reason", length_problem(reason, REASON_MIN, REASON_MAX)),
        ])?;
        Ok(Self { client_reference: client_reference.into(), reason: reason.into() })
    }
}

/// What support records: the authority's case reference and decision date, and a note (which a
/// refusal needs: the practice is told why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionText {
    pub approve: bool,
    pub case_reference: String,
    /// `YYYY-MM-DD`.
    pub case_date: String,
    pub note: String,
}

impl DecisionText {
    /// `requested` and `today` are `YYYY-MM-DD`: the authority decided between the two.
    pub fn parse(
        decision: &str,
        case_reference: &str,
        case_date: &str,
        note: &str,
        requested: &str,
        today: &str,
    ) -> Result<Self, AppError> {
        let approve = match decision {
            "approve" => true,
            "refuse" => false,
            _ => return Err(AppError::field("decision", Problem::NotAllowedValue)),
        };
        let (case_reference, case_date, note) = (case_reference.trim(), case_date.trim(), note.trim());
        let date_problem = match crate::dates::parse_date(case_date).map(crate::dates::date_text) {
            _ if case_date.is_empty() => Some(Problem::Required),
            None => Some(Problem::InvalidDate),
            Some(date) if date.as_str() > today => Some(Problem::DateInFuture),
            Some(date) if date.as_str() < requested => Some(Problem::DateBeforeRequest),
            Some(_) => None,
        };
        let note_problem = if approve && note.is_empty() { None } else { length_problem(note, 1, NOTE_MAX) };
        check(vec![
            ("case_reference", length_problem(case_reference, 1, CASE_REFERENCE_MAX)),
            ("case_date", date_problem),
            ("note", note_problem),
        ])?;
        Ok(Self { approve, case_reference: case_reference.into(), case_date: case_date.into(), note: note.into() })
    }
}

/// An online booking as the request form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingToRequest {
    pub appointment_id: i64,
    pub client_id: ClientId,
    /// The client's name, to start the reference with.
    pub client_name: String,
    /// The appointment, local `YYYY-MM-DD HH:MM`.
    pub starts: String,
    /// When the booking was made, local `YYYY-MM-DD HH:MM`.
    pub booked: String,
    /// A request for this booking that is still open: a second is not made.
    pub open_request: Option<IpRequestId>,
    /// Whether the practice may open another request now.
    pub at_limit: bool,
}

/// One of a client's online bookings, with its latest request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineBooking {
    pub appointment_id: i64,
    pub starts: String,
    pub booked: String,
    pub latest: Option<(IpRequestId, IpRequestStatus)>,
}

/// A request as its practice sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpRequestView {
    pub id: IpRequestId,
    pub appointment_id: i64,
    pub client_id: ClientId,
    pub client_reference: String,
    pub booking_starts: String,
    pub reason: String,
    pub status: IpRequestStatus,
    pub requested_by: String,
    /// Local `YYYY-MM-DD HH:MM`.
    pub requested: String,
    /// Until when an open request waits (local), `None` once it is closed.
    pub open_until: Option<String>,
    pub decision: Option<DecisionView>,
    /// Who saw the address, and when (local).
    pub released: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    pub by: String,
    pub case_reference: String,
    pub case_date: String,
    pub note: String,
    /// Local `YYYY-MM-DD HH:MM`.
    pub decided: String,
}

/// What the release step shows, once: the address, the browser and when the booking was made,
/// with the statement as a PDF.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasedAddress {
    pub ip: String,
    pub user_agent: String,
    pub device: crate::security::types::Device,
    pub booked: String,
    pub booking_starts: String,
    /// The PDF statement, base64, offered for download from the page.
    pub statement_base64: String,
    pub statement_name: String,
}

/// A request in the support queue: never the address, never a journal or message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportIpLine {
    pub id: IpRequestId,
    pub practice_name: String,
    pub client_reference: String,
    pub booking_starts: String,
    pub status: IpRequestStatus,
    pub submitted_secs_ago: i64,
}

/// A request as support decides it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportIpDetail {
    pub line: SupportIpLine,
    pub org_number: String,
    pub requested_by: String,
    pub reason: String,
    /// When the booking was made (practice's local time).
    pub booked: String,
    /// `YYYY-MM-DD` of the request: the earliest decision date.
    pub requested_on: String,
    /// Today, `YYYY-MM-DD`: the latest decision date.
    pub today: String,
    pub decision: Option<DecisionView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, NB};

    #[test]
    fn statuses_round_trip_and_open_ones_expire_in_time() {
        for status in IpRequestStatus::ALL {
            assert_eq!(IpRequestStatus::from_code(status.code()), status);
            assert!(!status.label(&EN).is_empty() && !status.label(&NB).is_empty());
        }
        assert_eq!(
            IpRequestStatus::from_code("nonsense"),
            IpRequestStatus::Expired,
            "an unknown code releases nothing"
        );
        assert_eq!(IpRequestStatus::Sent.at(100, 99), IpRequestStatus::Sent);
        assert_eq!(IpRequestStatus::InReview.at(100, 100), IpRequestStatus::Expired);
        assert_eq!(IpRequestStatus::Approved.at(100, 101), IpRequestStatus::Expired);
        assert_eq!(IpRequestStatus::Released.at(100, 101), IpRequestStatus::Released, "closed ones stay");
        assert_eq!(IpRequestStatus::Refused.at(100, 101), IpRequestStatus::Refused);
    }

    fn problems(error: AppError) -> Vec<(String, Problem)> {
        match error {
            AppError::Validation(errors) => errors.into_iter().map(|e| (e.field, e.problem)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_request_needs_a_client_and_a_reason_of_30_to_2000_characters() {
        let reason = "Klienten har sendt truende meldinger etter timen.";
        let ok = RequestText::parse("  Ola Nordmann ", reason).unwrap();
        assert_eq!(ok.client_reference, "Ola Nordmann");
        assert_eq!(
            problems(RequestText::parse("", "for kort").unwrap_err()),
            vec![("client_reference".into(), Problem::Required), ("reason".into(), Problem::TooShort { min: 30 })]
        );
        assert_eq!(problems(RequestText::parse("Ola", "   ").unwrap_err()), vec![("reason".into(), Problem::Required)]);
        let long = "ø".repeat(2001);
        assert_eq!(
            problems(RequestText::parse(&"x".repeat(201), &long).unwrap_err()),
            vec![
                ("client_reference".into(), Problem::TooLong { max: 200 }),
                ("reason".into(), Problem::TooLong { max: 2000 })
            ]
        );
        assert!(RequestText::parse("Ola", &"ø".repeat(2000)).is_ok(), "counted in characters, not bytes");
        assert!(RequestText::parse("Ola", &"a".repeat(30)).is_ok());
    }

    #[test]
    fn a_decision_names_the_case_and_a_date_between_the_request_and_today() {
        let parse = |decision, reference, date, note| {
            DecisionText::parse(decision, reference, date, note, "2026-11-02", "2026-11-20")
        };
        let ok = parse("approve", " 2026-1234 ", "2026-11-10", "").unwrap();
        assert!(ok.approve && ok.case_reference == "2026-1234" && ok.note.is_empty());
        assert!(!parse("refuse", "2026-1234", "2026-11-20", "Ikke grunnlag.").unwrap().approve);
        assert_eq!(
            problems(parse("refuse", "", "2026-11-21", "").unwrap_err()),
            vec![
                ("case_reference".into(), Problem::Required),
                ("case_date".into(), Problem::DateInFuture),
                ("note".into(), Problem::Required),
            ]
        );
        assert_eq!(
            problems(parse("approve", "x", "2026-11-01", "").unwrap_err()),
            vec![("case_date".into(), Problem::DateBeforeRequest)]
        );
        assert_eq!(
            problems(parse("approve", "x", "2026-13-01", "").unwrap_err()),
            vec![("case_date".into(), Problem::InvalidDate)]
        );
        assert_eq!(problems(parse("approve", "x", "", "").unwrap_err()), vec![("case_date".into(), Problem::Required)]);
        assert!(matches!(parse("maybe", "x", "2026-11-10", ""), Err(AppError::Validation(_))));
    }
}
