//! What the support area and the lost-2FA pages show. Shared by server and browser.

use serde::{Deserialize, Serialize};

use crate::i18n::Texts;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
    /// Ended undecided: the account's password changed while it waited.
    Cancelled,
}

impl RequestStatus {
    pub fn from_code(code: &str) -> Self {
        match code {
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "cancelled" => Self::Cancelled,
            _ => Self::Pending,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Self::Pending => t.lost_status_pending,
            Self::Approved => t.lost_status_approved,
            Self::Rejected => t.lost_status_rejected,
            Self::Cancelled => t.lost_status_cancelled,
        }
    }
}

/// A request as its owner sees it through the status link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestStatusView {
    pub status: RequestStatus,
    pub submitted_secs_ago: i64,
    /// The reason given with a rejection.
    pub reason: Option<String>,
}

/// A line in the support queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub practice_name: String,
    pub status: RequestStatus,
    pub submitted_secs_ago: i64,
}

/// One piece of evidence as support sees it: where to open it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceLink {
    pub kind: String,
    pub url: String,
    /// Whether the browser can show it as an image (else it is downloaded).
    pub is_image: bool,
    /// Whether the support person looking at it has opened it (approval needs every piece).
    pub viewed: bool,
}

/// A request with everything support needs to decide it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDetail {
    pub summary: RequestSummary,
    pub card_last4: Option<String>,
    pub ip: String,
    pub device: crate::security::types::Device,
    pub evidence: Vec<EvidenceLink>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub secs_ago: i64,
    pub actor: String,
    /// `None` for an entry this version does not know.
    pub action: Option<AuditAction>,
    pub account: Option<String>,
    pub request_id: Option<i64>,
}

/// What the support audit log records, stored by its code and shown in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    Submitted,
    Opened,
    OpenedPhoto,
    OpenedBill,
    Approved,
    Rejected,
    EvidenceDeleted,
    Cancelled,
    /// A request for a booking's IP address was opened, approved or refused.
    IpOpened,
    IpApproved,
    IpRefused,
}

impl AuditAction {
    const ALL: [Self; 11] = [
        Self::Submitted,
        Self::Opened,
        Self::OpenedPhoto,
        Self::OpenedBill,
        Self::Approved,
        Self::Rejected,
        Self::EvidenceDeleted,
        Self::Cancelled,
        Self::IpOpened,
        Self::IpApproved,
        Self::IpRefused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Submitted => "lost_2fa.submitted",
            Self::Opened => "lost_2fa.viewed",
            Self::OpenedPhoto => "lost_2fa.evidence_viewed.photo_id",
            Self::OpenedBill => "lost_2fa.evidence_viewed.bill",
            Self::Approved => "lost_2fa.approved",
            Self::Rejected => "lost_2fa.rejected",
            Self::EvidenceDeleted => "lost_2fa.evidence_deleted",
            Self::Cancelled => "lost_2fa.cancelled",
            Self::IpOpened => "ip_request.viewed",
            Self::IpApproved => "ip_request.approved",
            Self::IpRefused => "ip_request.refused",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.code() == code)
    }

    /// Where the request this entry is about is opened.
    pub fn request_url(self, id: i64) -> String {
        match self {
            Self::IpOpened | Self::IpApproved | Self::IpRefused => format!("/support/ip-requests/{id}"),
            _ => format!("/support/requests/{id}"),
        }
    }

    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Self::Submitted => t.support_action_submitted,
            Self::Opened => t.support_action_opened,
            Self::OpenedPhoto => t.support_action_opened_photo,
            Self::OpenedBill => t.support_action_opened_bill,
            Self::Approved => t.support_action_approved,
            Self::Rejected => t.support_action_rejected,
            Self::EvidenceDeleted => t.support_action_evidence_deleted,
            Self::Cancelled => t.support_action_cancelled,
            Self::IpOpened => t.support_action_ip_opened,
            Self::IpApproved => t.support_action_ip_approved,
            Self::IpRefused => t.support_action_ip_refused,
        }
    }
}

/// What a support reviewer is looking at, by evidence kind.
pub fn evidence_label(kind: &str, t: &Texts) -> &'static str {
    if kind == PHOTO_ID { t.support_evidence_photo } else { t.support_evidence_bill }
}

/// Evidence kinds, as form fields and stored kinds.
pub const PHOTO_ID: &str = "photo_id";
pub const BILL: &str = "bill";
/// The largest file accepted, per piece of evidence.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, NB};

    #[test]
    fn audit_actions_round_trip_and_read_in_words() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(action.code()), Some(action));
            assert!(!action.label(&EN).contains('_') && !action.label(&NB).contains('.'), "{action:?}");
        }
        assert_eq!(AuditAction::from_code("lost_2fa.evidence_viewed.bill"), Some(AuditAction::OpenedBill));
        assert_eq!(AuditAction::from_code("nonsense"), None);
    }

    #[test]
    fn evidence_is_named_for_the_reviewer() {
        assert_eq!(evidence_label(PHOTO_ID, &EN), "Photo of the person holding their ID");
        assert_eq!(evidence_label(BILL, &EN), "Recent bill in the account holder's name");
    }
}
