//! What the support area and the lost-2FA pages show. Shared by server and browser.

use serde::{Deserialize, Serialize};

use crate::i18n::Texts;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

impl RequestStatus {
    pub fn from_code(code: &str) -> Self {
        match code {
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            _ => Self::Pending,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Self::Pending => t.lost_status_pending,
            Self::Approved => t.lost_status_approved,
            Self::Rejected => t.lost_status_rejected,
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
    pub action: String,
    pub account: Option<String>,
    pub request_id: Option<i64>,
}

/// Evidence kinds, as form fields and stored kinds.
pub const PHOTO_ID: &str = "photo_id";
pub const BILL: &str = "bill";
/// The largest file accepted, per piece of evidence.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
