//! What the practice's audit log records.

use serde::{Deserialize, Serialize};

use crate::i18n::Texts;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    JournalRead,
    JournalCreated,
    JournalEdited,
    ClientDeleted,
    AgreementDownloaded,
}

impl AuditAction {
    const ALL: [Self; 5] =
        [Self::JournalRead, Self::JournalCreated, Self::JournalEdited, Self::ClientDeleted, Self::AgreementDownloaded];

    /// The name stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::JournalRead => "journal.read",
            Self::JournalCreated => "journal.created",
            Self::JournalEdited => "journal.edited",
            Self::ClientDeleted => "client.deleted",
            Self::AgreementDownloaded => "dpa.downloaded",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Self::JournalRead => t.audit_journal_read,
            Self::JournalCreated => t.audit_journal_created,
            Self::JournalEdited => t.audit_journal_edited,
            Self::ClientDeleted => t.audit_client_deleted,
            Self::AgreementDownloaded => t.audit_dpa_downloaded,
        }
    }
}

/// One line of the log as the practitioner reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Local `YYYY-MM-DD HH:MM`.
    pub when: String,
    pub actor: String,
    pub action: AuditAction,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(action.code()), Some(action));
        }
        assert_eq!(AuditAction::from_code("journal.deleted"), None);
    }
}
