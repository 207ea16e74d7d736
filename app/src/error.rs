//! The one error type every server function returns. It carries codes, never text from a
//! database or library: the browser turns each code into a translated message.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::i18n::Texts;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// One or more fields are wrong; each message belongs next to its field.
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// The form as a whole was refused, for the reason given.
    #[error("refused: {0:?}")]
    Rejected(Problem),
    #[error("not signed in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The request clashes with what is stored now (a time taken meanwhile, a request already
    /// decided); the problem says which.
    #[error("conflict: {0:?}")]
    Conflict(Problem),
    #[error("too many attempts")]
    RateLimited { retry_after_secs: i64 },
    #[error("internal error")]
    Internal,
    /// The database does not answer (stopped, unreachable, or out of connections). Nothing was
    /// done; the same request may succeed a moment later.
    #[error("service unavailable")]
    ServiceUnavailable,
    /// The browser could not reach the server, or could not read its answer.
    #[error("network error")]
    Network,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

/// Why an input or a form was refused. Each has a message in every language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    InvalidEmail,
    PasswordTooShort {
        min: usize,
    },
    PasswordTooLong {
        max: usize,
    },
    PasswordContainsAccountDetails,
    PasswordTooCommon,
    WrongCredentials,
    EmailNotVerified,
    InvalidLink,
    MalformedRequest,
    /// A sensitive change needs the password entered within the last 10 minutes.
    FreshSignInRequired,
    NotAllowedValue,
    WrongPassword,
    /// Neither six digits nor a recovery code.
    CodeFormat,
    WrongCode,
    /// The code step came too late (or without the password step): start the login again.
    LoginExpired,
    TwoFactorAlreadyOn,
    TwoFactorOff,
    /// The key shown in the wizard is too old to confirm; show a new one.
    SetupExpired,
    PasswordTooShortWithoutTwoFactor {
        min: usize,
    },
    FileTooLarge {
        max_mb: usize,
    },
    FileMissing,
    FileNotImage,
    FileNotImageOrPdf,
    CardDigits,
    /// A lost-2FA request of the account is already waiting for support.
    RequestPending,
    AlreadyDecided,
    InvalidPhone,
    InvalidDate,
    DateInFuture,
    InvalidPrice,
    InvalidTime,
    ClosesBeforeOpening,
    OutsideOpeningHours,
    /// Another appointment takes (part of) this time.
    TimeTaken,
    InPast,
    /// Someone saved a newer version of this while it was being edited.
    EditedMeanwhile,
    InvalidOrgNumber,
    /// A consent request needs the client's email address.
    ClientHasNoEmail,
    ConsentNotTicked,
    /// A drawn signature that is not strokes on the signing grid.
    SignatureUnreadable,
    /// The link was answered already, or can no longer be.
    ConsentAnswered,
    /// A cancellation is too old to undo (or the appointment was not cancelled).
    UndoExpired,
    /// Ten wrong codes in a row: the code step takes only recovery codes until a sign-in completes.
    CodeStepLocked,
    /// Approval of a lost-2FA request before every piece of evidence was opened.
    EvidenceNotOpened,
    /// The request's body is over the size every form is held to.
    TooLarge {
        max_mb: usize,
    },
    /// A withdrawal code is six digits.
    ConsentCodeFormat,
    ConsentCodeWrong,
    /// The code expired, was used, or was tried too often (or none was sent): ask for a new one.
    ConsentCodeSpent,
    /// The practice has no email address for the client, so no code can be sent.
    ConsentNoAddress,
    /// A client typed by name (while client data is hidden) that is none of the practice's.
    NoClientMatches,
    /// A typed name that fits several clients: type more of it.
    SeveralClientsMatch,
    /// The operator's details are incomplete, so no data processing agreement can be made.
    AgreementNotReady,
    /// A sent file of a kind messages do not carry (decided by its content).
    FileNotAllowed,
    TooManyFiles {
        max: usize,
    },
    /// The conversation was closed by the practitioner: it can be read, not answered.
    ConversationClosed,
    /// The date of birth as second factor needs one in the client's profile.
    ClientHasNoBirthDate,
    /// The date of birth typed on a message link is not the one the practice has.
    BirthDateWrong,
    /// A message could not be sent (try again); nothing of it was kept.
    SendFailed,
    /// A retention period of a number of months outside what the cleanup takes.
    MonthsOutOfRange {
        min: usize,
        max: usize,
    },
    /// A retention period under the legal minimum for health records, saved without the
    /// practitioner confirming that they may.
    ShortRetentionNotConfirmed,
    SameEmail,
    EmailTaken,
    ExportRunning,
    NothingChosen,
    NotTicked,
    TransferNotStarted,
    TransferNotConfirmed,
    TooShort {
        min: usize,
    },
    /// A decision date before the request it decides.
    DateBeforeRequest,
    /// The practice already has the most open IP address requests it may have.
    TooManyOpenRequests {
        max: i64,
    },
    /// This booking's IP address has been asked for already, and the request is still open.
    AlreadyRequested,
    /// The request is not (or no longer) approved: there is nothing to release.
    NotApproved,
    /// The booking's IP address is no longer kept (the retention period passed).
    AddressGone,
}

/// The most any request to a server function may carry. Larger bodies are refused unread.
pub const REQUEST_MAX_MB: usize = 2;

/// Collects the problems of a form's fields, so that all are reported at once.
#[derive(Default)]
pub struct FieldChecks {
    errors: Vec<FieldError>,
}

impl FieldChecks {
    /// The checked value, or an empty one with the problem noted against `field`.
    pub fn check<T: Default>(&mut self, field: &str, result: Result<T, Problem>) -> T {
        result.unwrap_or_else(|problem| {
            self.errors.push(FieldError { field: field.into(), problem });
            T::default()
        })
    }

    /// `value` when every field passed, else every problem noted.
    pub fn finish<T>(self, value: T) -> Result<T, AppError> {
        if self.errors.is_empty() { Ok(value) } else { Err(AppError::Validation(self.errors)) }
    }
}

impl AppError {
    pub fn field(field: &str, problem: Problem) -> Self {
        Self::Validation(vec![FieldError { field: field.into(), problem }])
    }

    /// The problem with one field, if this error names it.
    pub fn for_field(&self, field: &str) -> Option<Problem> {
        match self {
            Self::Validation(errors) => errors.iter().find(|e| e.field == field).map(|e| e.problem),
            _ => None,
        }
    }

    /// The message shown above the form, if this error is not only about fields.
    pub fn form_message(&self, t: &Texts) -> Option<String> {
        Some(match self {
            Self::Validation(_) => return None,
            Self::Rejected(problem) | Self::Conflict(problem) => problem.message(t),
            Self::Unauthorized => t.err_unauthorized.into(),
            Self::Forbidden => t.err_forbidden.into(),
            Self::NotFound => t.err_not_found.into(),
            Self::RateLimited { retry_after_secs } => {
                t.err_rate_limited.replace("{minutes}", &((retry_after_secs + 59) / 60).max(1).to_string())
            }
            Self::Internal => t.err_internal.into(),
            Self::ServiceUnavailable => t.err_service_unavailable.into(),
            Self::Network => t.err_network.into(),
        })
    }
}

impl Problem {
    pub fn message(&self, t: &Texts) -> String {
        match self {
            Self::Required => t.err_required.into(),
            Self::TooLong { max } => t.err_too_long.replace("{max}", &max.to_string()),
            Self::InvalidEmail => t.err_invalid_email.into(),
            Self::PasswordTooShort { min } => t.err_password_too_short.replace("{min}", &min.to_string()),
            Self::PasswordTooLong { max } => t.err_password_too_long.replace("{max}", &max.to_string()),
            Self::PasswordContainsAccountDetails => t.err_password_contains_account_details.into(),
            Self::PasswordTooCommon => t.err_password_too_common.into(),
            Self::WrongCredentials => t.err_wrong_credentials.into(),
            Self::EmailNotVerified => t.err_email_not_verified.into(),
            Self::InvalidLink => t.err_invalid_link.into(),
            Self::MalformedRequest => t.err_malformed_request.into(),
            Self::FreshSignInRequired => t.err_fresh_sign_in_required.into(),
            Self::NotAllowedValue => t.err_not_allowed_value.into(),
            Self::WrongPassword => t.err_wrong_password.into(),
            Self::CodeFormat => t.err_code_format.into(),
            Self::WrongCode => t.err_wrong_code.into(),
            Self::LoginExpired => t.err_login_expired.into(),
            Self::TwoFactorAlreadyOn => t.err_two_factor_already_on.into(),
            Self::TwoFactorOff => t.err_two_factor_off.into(),
            Self::SetupExpired => t.err_setup_expired.into(),
            Self::PasswordTooShortWithoutTwoFactor { min } => {
                t.err_password_too_short_without_2fa.replace("{min}", &min.to_string())
            }
            Self::FileTooLarge { max_mb } => t.err_file_too_large.replace("{max}", &max_mb.to_string()),
            Self::FileMissing => t.err_file_missing.into(),
            Self::FileNotImage => t.err_file_not_image.into(),
            Self::FileNotImageOrPdf => t.err_file_not_image_or_pdf.into(),
            Self::CardDigits => t.err_card_digits.into(),
            Self::RequestPending => t.err_request_pending.into(),
            Self::AlreadyDecided => t.err_already_decided.into(),
            Self::InvalidPhone => t.err_invalid_phone.into(),
            Self::InvalidDate => t.err_invalid_date.into(),
            Self::DateInFuture => t.err_date_in_future.into(),
            Self::InvalidPrice => t.err_invalid_price.into(),
            Self::InvalidTime => t.err_invalid_time.into(),
            Self::ClosesBeforeOpening => t.err_closes_before_opening.into(),
            Self::OutsideOpeningHours => t.err_outside_opening_hours.into(),
            Self::TimeTaken => t.err_time_taken.into(),
            Self::InPast => t.err_in_past.into(),
            Self::EditedMeanwhile => t.err_edited_meanwhile.into(),
            Self::InvalidOrgNumber => t.err_invalid_org_number.into(),
            Self::ClientHasNoEmail => t.err_client_has_no_email.into(),
            Self::ConsentNotTicked => t.err_consent_not_ticked.into(),
            Self::SignatureUnreadable => t.err_signature_unreadable.into(),
            Self::ConsentAnswered => t.err_consent_answered.into(),
            Self::UndoExpired => t.err_undo_expired.into(),
            Self::CodeStepLocked => t.err_code_step_locked.into(),
            Self::EvidenceNotOpened => t.err_evidence_not_opened.into(),
            Self::TooLarge { max_mb } => t.err_request_too_large.replace("{max}", &max_mb.to_string()),
            Self::ConsentCodeFormat => t.err_consent_code_format.into(),
            Self::ConsentCodeWrong => t.err_consent_code_wrong.into(),
            Self::ConsentCodeSpent => t.err_consent_code_spent.into(),
            Self::ConsentNoAddress => t.err_consent_no_address.into(),
            Self::FileNotAllowed => t.err_file_not_allowed.into(),
            Self::TooManyFiles { max } => t.err_too_many_files.replace("{max}", &max.to_string()),
            Self::ConversationClosed => t.err_conversation_closed.into(),
            Self::ClientHasNoBirthDate => t.err_client_has_no_birth_date.into(),
            Self::BirthDateWrong => t.err_birth_date_wrong.into(),
            Self::SendFailed => t.err_send_failed.into(),
            Self::NoClientMatches => t.err_no_client_matches.into(),
            Self::SeveralClientsMatch => t.err_several_clients_match.into(),
            Self::AgreementNotReady => t.dpa_not_ready.into(),
            Self::MonthsOutOfRange { min, max } => {
                t.err_months_out_of_range.replace("{min}", &min.to_string()).replace("{max}", &max.to_string())
            }
            Self::ShortRetentionNotConfirmed => t.err_short_retention_not_confirmed.into(),
            Self::SameEmail => t.err_same_email.into(),
            Self::EmailTaken => t.err_email_taken.into(),
            Self::ExportRunning => t.err_export_running.into(),
            Self::NothingChosen => t.err_nothing_chosen.into(),
            Self::NotTicked => t.err_not_ticked.into(),
            Self::TransferNotStarted => t.err_transfer_not_started.into(),
            Self::TransferNotConfirmed => t.err_transfer_not_confirmed.into(),
            Self::TooShort { min } => t.err_too_short.replace("{min}", &min.to_string()),
            Self::DateBeforeRequest => t.err_date_before_request.into(),
            Self::TooManyOpenRequests { max } => t.err_too_many_open_requests.replace("{max}", &max.to_string()),
            Self::AlreadyRequested => t.err_already_requested.into(),
            Self::NotApproved => t.err_not_approved.into(),
            Self::AddressGone => t.err_address_gone.into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server, a body that cannot be read is the caller's doing: over the size
            // limit, or bytes that are not UTF-8. In the browser it is an answer that did not
            // arrive whole.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(cause) => Self::unreadable_request(&cause),
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Deserialization(_) => Self::Network,
            ServerFnErrorErr::Request(_) => Self::Network,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::Rejected(Problem::MalformedRequest),
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Why server_fn could not read a request body, from its message: the only trace of the
    /// cause it keeps. `length limit exceeded` is what axum's limited body reports (a unit test
    /// below reads a body through the same code, so a changed wording fails it).
    fn unreadable_request(cause: &str) -> Self {
        if cause.contains("length limit exceeded") {
            Self::Rejected(Problem::TooLarge { max_mb: REQUEST_MAX_MB })
        } else {
            tracing::debug!(%cause, "unreadable request body");
            Self::Rejected(Problem::MalformedRequest)
        }
    }
}

impl AppError {
    /// A page that shows this error in place of its content answers with the error's status (a
    /// missing practice is a 404, not a 200 that reads "not found"; an unreachable database a
    /// 503, which the request guard turns into the "unavailable" page). Only the server's
    /// rendering has a status to set.
    pub fn set_page_status(&self) {
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(self.status());
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs the real cause on the server and hands the browser nothing but `Internal`.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status this error is answered with, by a server function or a plain handler.
    /// Every kind is named, so a new one needs a decision here.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Rejected(problem) => problem.refusal_status(),
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal | Self::Network => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[cfg(feature = "ssr")]
impl Problem {
    /// The status of a form refused as a whole for this problem: a request that cannot be read
    /// is 422 or 413, a link that leads nowhere 404, a clash with stored state 409, and wrong
    /// or stale credentials 401. Every problem is named, so a new one needs a decision here.
    fn refusal_status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvalidLink => StatusCode::NOT_FOUND,
            Self::RequestPending
            | Self::AlreadyDecided
            | Self::TwoFactorAlreadyOn
            | Self::EditedMeanwhile
            | Self::ConsentAnswered
            | Self::EvidenceNotOpened
            | Self::UndoExpired
            | Self::TimeTaken
            | Self::ConversationClosed
            | Self::SendFailed
            | Self::EmailTaken
            | Self::ExportRunning
            | Self::TransferNotStarted
            | Self::TransferNotConfirmed
            | Self::TooManyOpenRequests { .. }
            | Self::AlreadyRequested
            | Self::NotApproved
            | Self::AddressGone
            | Self::AgreementNotReady => StatusCode::CONFLICT,
            Self::WrongCredentials
            | Self::EmailNotVerified
            | Self::FreshSignInRequired
            | Self::WrongPassword
            | Self::WrongCode
            | Self::LoginExpired
            | Self::TwoFactorOff
            | Self::SetupExpired
            | Self::CodeStepLocked
            | Self::ConsentCodeWrong
            | Self::ConsentCodeSpent
            | Self::BirthDateWrong => StatusCode::UNAUTHORIZED,
            Self::Required
            | Self::TooLong { .. }
            | Self::TooShort { .. }
            | Self::DateBeforeRequest
            | Self::InvalidEmail
            | Self::PasswordTooShort { .. }
            | Self::PasswordTooLong { .. }
            | Self::PasswordContainsAccountDetails
            | Self::PasswordTooCommon
            | Self::MalformedRequest
            | Self::NotAllowedValue
            | Self::CodeFormat
            | Self::PasswordTooShortWithoutTwoFactor { .. }
            | Self::MonthsOutOfRange { .. }
            | Self::ShortRetentionNotConfirmed
            | Self::SameEmail
            | Self::NothingChosen
            | Self::NotTicked
            | Self::FileTooLarge { .. }
            | Self::FileMissing
            | Self::FileNotImage
            | Self::FileNotImageOrPdf
            | Self::CardDigits
            | Self::InvalidPhone
            | Self::InvalidDate
            | Self::DateInFuture
            | Self::InvalidPrice
            | Self::InvalidTime
            | Self::ClosesBeforeOpening
            | Self::OutsideOpeningHours
            | Self::InPast
            | Self::InvalidOrgNumber
            | Self::ClientHasNoEmail
            | Self::ConsentNotTicked
            | Self::SignatureUnreadable
            | Self::ConsentCodeFormat
            | Self::ConsentNoAddress
            | Self::NoClientMatches
            | Self::SeveralClientsMatch
            | Self::FileNotAllowed
            | Self::TooManyFiles { .. }
            | Self::ClientHasNoBirthDate => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// The plain axum handlers answer errors as server functions do: the status, and the error's
/// codes as JSON (never a database's or library's text).
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        (self.status(), axum::Json(self)).into_response()
    }
}

/// An error answered to a person who followed a link (a download): its status, and its message
/// in their language as plain text.
#[cfg(feature = "ssr")]
pub struct Translated(pub AppError, pub crate::i18n::Lang);

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for Translated {
    fn into_response(self) -> axum::response::Response {
        let Self(error, lang) = self;
        let t = lang.texts();
        let message = error.form_message(t).unwrap_or_else(|| Problem::MalformedRequest.message(t));
        (error.status(), message).into_response()
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if crate::server::db::is_unavailable(&error) {
            tracing::warn!(%error, "the database is unavailable");
            Self::ServiceUnavailable
        } else {
            Self::internal(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, NB};

    #[test]
    fn messages_fill_in_numbers() {
        assert!(Problem::PasswordTooShort { min: 15 }.message(&EN).contains("15"));
        assert!(Problem::TooLong { max: 100 }.message(&NB).contains("100"));
        let limited = AppError::RateLimited { retry_after_secs: 61 };
        assert!(limited.form_message(&EN).unwrap().contains('2'));
    }

    #[test]
    fn field_errors_are_found_by_name() {
        let error = AppError::field("email", Problem::InvalidEmail);
        assert_eq!(error.for_field("email"), Some(Problem::InvalidEmail));
        assert_eq!(error.for_field("password"), None);
        assert_eq!(error.form_message(&EN), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_unavailable_database_is_a_503_with_its_own_message() {
        let error = AppError::ServiceUnavailable;
        assert_eq!(error.status(), http::StatusCode::SERVICE_UNAVAILABLE);
        assert_ne!(error.form_message(&EN), AppError::Internal.form_message(&EN));
        assert!(error.form_message(&NB).unwrap().contains("databasen"));
        let round_trip: AppError = serde_json::from_slice(&error.ser()).unwrap();
        assert_eq!(round_trip, error);
    }

    #[cfg(feature = "ssr")]
    async fn read_body(body: Vec<u8>) -> Result<String, AppError> {
        use leptos::server_fn::request::Req;
        let request = http::Request::post("/api/x").body(axum::body::Body::from(body)).unwrap();
        <http::Request<axum::body::Body> as Req<AppError>>::try_into_string(request).await
    }

    /// The bodies server_fn cannot read are refused as the caller's fault, read through the very
    /// code that reads a server function's arguments.
    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn unreadable_bodies_are_the_callers_fault() {
        let too_large = read_body(vec![b'a'; REQUEST_MAX_MB * 1024 * 1024 + 1]).await.unwrap_err();
        assert_eq!(too_large, AppError::Rejected(Problem::TooLarge { max_mb: REQUEST_MAX_MB }));
        assert_eq!(too_large.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
        assert!(too_large.form_message(&EN).unwrap().contains('2'));
        let not_utf8 = read_body(b"name=\xff\xfe".to_vec()).await.unwrap_err();
        assert_eq!(not_utf8, AppError::Rejected(Problem::MalformedRequest));
        assert_eq!(not_utf8.status(), http::StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(read_body(vec![b'a'; REQUEST_MAX_MB * 1024 * 1024]).await.unwrap().len(), 2 * 1024 * 1024);
    }

    #[test]
    fn transport_errors_never_carry_their_text() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("SQLITE_BUSY: db locked".into()));
        assert_eq!(error, AppError::Internal);
        let json = String::from_utf8(error.ser().to_vec()).unwrap();
        assert!(!json.contains("SQLITE"));
    }
}
