//! Secure messages: the limits, and what the pages receive (both targets).

use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::ids::{ClientId, FileId, MessageId};

/// A file may be this large.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// A message may carry this many files.
pub const MAX_FILES: usize = 5;
/// A message's text may be this long (characters).
pub const BODY_MAX: usize = 20_000;
/// A link dies this long after it was last used.
pub const LINK_IDLE_SECS: i64 = 30 * 86_400;
/// A verified device's conversation session ends after this long without use …
pub const SESSION_IDLE_SECS: i64 = 30 * 60;
/// … and this long after it began, whatever happens.
pub const SESSION_MAX_SECS: i64 = 12 * 3600;
/// A mailed code works once, for this long, and for this many tries.
pub const CODE_LIFETIME_SECS: i64 = 10 * 60;
pub const CODE_TRIES: i64 = 5;
/// At most one code a minute per link, and this many a day.
pub const CODE_RESEND_SECS: i64 = 60;
pub const CODE_MAILS_PER_DAY: i64 = 5;
/// Wrong answers (codes or birth dates) one link may take within an hour.
pub const LINK_TRIES_PER_HOUR: i64 = 10;

/// The files the form's file picker offers; the server decides by content (see `kind`).
pub const ACCEPTED_FILES: &str =
    ".pdf,.jpg,.jpeg,.png,.heic,.heif,.txt,.docx,application/pdf,image/jpeg,image/png,image/heic,text/plain";

/// How the client's device proves itself after following the link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecondFactor {
    /// A 6-digit code mailed to the client's address.
    #[default]
    Email,
    /// The client's date of birth, as the practice has it.
    BirthDate,
}

impl SecondFactor {
    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::BirthDate => "birth_date",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "email" => Some(Self::Email),
            "birth_date" => Some(Self::BirthDate),
            _ => None,
        }
    }
}

/// One conversation in the practitioner's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub client_id: ClientId,
    pub client_name: String,
    /// Local `YYYY-MM-DD HH:MM` of the newest message.
    pub last_activity: String,
    /// Messages from the client the practitioner has not opened.
    pub unread: i64,
    pub closed: bool,
}

/// A file as a message lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileView {
    pub id: FileId,
    pub name: String,
    pub size: i64,
}

/// One message as either party reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: MessageId,
    pub from_client: bool,
    pub body: String,
    /// Local `YYYY-MM-DD HH:MM`.
    pub sent: String,
    /// When the other party first opened it, local time.
    pub read: Option<String>,
    pub files: Vec<FileView>,
}

/// The practitioner's view of the conversation with one client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    pub client_id: ClientId,
    pub client_name: String,
    pub closed: bool,
    pub second_factor: SecondFactor,
    pub messages: Vec<MessageView>,
    /// Whether a link the client was sent still opens the conversation.
    pub link_live: bool,
    pub has_email: bool,
    pub has_birth_date: bool,
    /// The text of the practitioner's last refused message, to send again.
    pub unsent: String,
}

/// What the client's link shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPage {
    pub practice: String,
    pub access: Access,
    /// The browser sent no conversation cookie. It may still hold one: a link followed from a
    /// mail (another site) does not carry a `SameSite=Strict` cookie. The page then loads itself
    /// once more, from this site, before it asks for a code.
    pub recheck: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    /// The device must prove itself with the mailed code, or the date of birth.
    Verify(SecondFactor),
    /// A verified device: the conversation.
    /// `unsent`: the text of the client's last refused answer, to send again.
    Open { closed: bool, messages: Vec<MessageView>, unsent: String },
}

/// A message's text as typed: trimmed, control characters other than line breaks and tabs left
/// out. Empty is allowed here; a message needs a text or a file (`service`).
pub fn body(input: &str) -> Result<String, Problem> {
    let cleaned: String = input.trim().chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect();
    if cleaned.chars().count() > BODY_MAX { Err(Problem::TooLong { max: BODY_MAX }) } else { Ok(cleaned) }
}

/// A refused send's problem as the page's `?error=field.code` carries it (the multipart forms
/// answer with a redirect, with or without JavaScript).
pub fn problem_code(problem: Problem) -> &'static str {
    match problem {
        Problem::Required => "required",
        Problem::TooLong { .. } => "too_long",
        Problem::NotAllowedValue => "not_allowed",
        Problem::ClientHasNoBirthDate => "no_birth_date",
        Problem::ClientHasNoEmail => "no_email",
        Problem::ConversationClosed => "closed",
        Problem::TooManyFiles { .. } => "too_many",
        Problem::FileTooLarge { .. } => "too_large",
        Problem::FileNotAllowed => "type",
        _ => "failed",
    }
}

/// The problem a `?error=` code stands for; `None` for an unknown code.
pub fn problem_of(code: &str) -> Option<Problem> {
    Some(match code {
        "required" => Problem::Required,
        "too_long" => Problem::TooLong { max: BODY_MAX },
        "not_allowed" => Problem::NotAllowedValue,
        "no_birth_date" => Problem::ClientHasNoBirthDate,
        "no_email" => Problem::ClientHasNoEmail,
        "closed" => Problem::ConversationClosed,
        "too_many" => Problem::TooManyFiles { max: MAX_FILES },
        "too_large" => Problem::FileTooLarge { max_mb: MAX_FILE_BYTES / (1024 * 1024) },
        "type" => Problem::FileNotAllowed,
        "rate_limited" | "failed" => Problem::SendFailed,
        _ => return None,
    })
}

/// A file's size for people: "512 B", "1.2 MB".
pub fn size_text(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} kB", (b + 512) / 1024),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_trimmed_and_bounded() {
        assert_eq!(body("  Hei\r\nHvordan går det?\u{7}  "), Ok("Hei\nHvordan går det?".into()));
        assert_eq!(body("   "), Ok(String::new()));
        assert_eq!(body(&"æ".repeat(BODY_MAX)).map(|b| b.chars().count()), Ok(BODY_MAX));
        assert_eq!(body(&"a".repeat(BODY_MAX + 1)), Err(Problem::TooLong { max: BODY_MAX }));
    }

    #[test]
    fn second_factors_travel_as_codes() {
        for factor in [SecondFactor::Email, SecondFactor::BirthDate] {
            assert_eq!(SecondFactor::from_code(factor.code()), Some(factor));
        }
        assert_eq!(SecondFactor::from_code("sms"), None);
    }

    #[test]
    fn refusals_travel_through_the_address_and_back() {
        for problem in [
            Problem::Required,
            Problem::TooLong { max: BODY_MAX },
            Problem::NotAllowedValue,
            Problem::ClientHasNoBirthDate,
            Problem::ClientHasNoEmail,
            Problem::ConversationClosed,
            Problem::TooManyFiles { max: MAX_FILES },
            Problem::FileTooLarge { max_mb: 10 },
            Problem::FileNotAllowed,
        ] {
            assert_eq!(problem_of(problem_code(problem)), Some(problem));
        }
        assert_eq!(problem_of("<script>"), None);
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(512), "512 B");
        assert_eq!(size_text(2048), "2 kB");
        assert_eq!(size_text(10 * 1024 * 1024), "10.0 MB");
    }
}
