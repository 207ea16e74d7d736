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
    ClientRead,
    ClientCreated,
    ClientUpdated,
    AppointmentRead,
    AppointmentCreated,
    AppointmentChanged,
    AppointmentCancelled,
    /// The client booked a time on the public booking page.
    AppointmentBooked,
    ConsentRequestsRead,
    ConsentSent,
    ConsentReminded,
    ConsentRevoked,
    ConsentCopyDownloaded,
    /// The client's own steps through their link.
    ConsentOpened,
    ConsentSigned,
    ConsentDeclined,
    ConsentWithdrawn,
    ConsentCopyByLink,
    ConsentCodeSent,
}

impl AuditAction {
    const ALL: [Self; 24] = [
        Self::JournalRead,
        Self::JournalCreated,
        Self::JournalEdited,
        Self::ClientDeleted,
        Self::AgreementDownloaded,
        Self::ClientRead,
        Self::ClientCreated,
        Self::ClientUpdated,
        Self::AppointmentRead,
        Self::AppointmentCreated,
        Self::AppointmentChanged,
        Self::AppointmentCancelled,
        Self::AppointmentBooked,
        Self::ConsentRequestsRead,
        Self::ConsentSent,
        Self::ConsentReminded,
        Self::ConsentRevoked,
        Self::ConsentCopyDownloaded,
        Self::ConsentOpened,
        Self::ConsentSigned,
        Self::ConsentDeclined,
        Self::ConsentWithdrawn,
        Self::ConsentCopyByLink,
        Self::ConsentCodeSent,
    ];

    /// The name stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::JournalRead => "journal.read",
            Self::JournalCreated => "journal.created",
            Self::JournalEdited => "journal.edited",
            Self::ClientDeleted => "client.deleted",
            Self::AgreementDownloaded => "dpa.downloaded",
            Self::ClientRead => "client.read",
            Self::ClientCreated => "client.created",
            Self::ClientUpdated => "client.updated",
            Self::AppointmentRead => "appointment.read",
            Self::AppointmentCreated => "appointment.created",
            Self::AppointmentChanged => "appointment.changed",
            Self::AppointmentCancelled => "appointment.cancelled",
            Self::AppointmentBooked => "appointment.booked",
            Self::ConsentRequestsRead => "consent.read",
            Self::ConsentSent => "consent.sent",
            Self::ConsentReminded => "consent.reminded",
            Self::ConsentRevoked => "consent.revoked",
            Self::ConsentCopyDownloaded => "consent.copy",
            Self::ConsentOpened => "consent.opened",
            Self::ConsentSigned => "consent.signed",
            Self::ConsentDeclined => "consent.declined",
            Self::ConsentWithdrawn => "consent.withdrawn",
            Self::ConsentCopyByLink => "consent.copy_by_link",
            Self::ConsentCodeSent => "consent.code_sent",
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
            Self::ClientRead => t.audit_client_read,
            Self::ClientCreated => t.audit_client_created,
            Self::ClientUpdated => t.audit_client_updated,
            Self::AppointmentRead => t.audit_appointment_read,
            Self::AppointmentCreated => t.audit_appointment_created,
            Self::AppointmentChanged => t.audit_appointment_changed,
            Self::AppointmentCancelled => t.audit_appointment_cancelled,
            Self::AppointmentBooked => t.audit_appointment_booked,
            Self::ConsentRequestsRead => t.audit_consent_read,
            Self::ConsentSent => t.audit_consent_sent,
            Self::ConsentReminded => t.audit_consent_reminded,
            Self::ConsentRevoked => t.audit_consent_revoked,
            Self::ConsentCopyDownloaded => t.audit_consent_copy,
            Self::ConsentOpened => t.audit_consent_opened,
            Self::ConsentSigned => t.audit_consent_signed,
            Self::ConsentDeclined => t.audit_consent_declined,
            Self::ConsentWithdrawn => t.audit_consent_withdrawn,
            Self::ConsentCopyByLink => t.audit_consent_copy_by_link,
            Self::ConsentCodeSent => t.audit_consent_code_sent,
        }
    }
}

/// One line of the log as the practitioner reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Local `YYYY-MM-DD HH:MM`.
    pub when: String,
    /// The practitioner's name; `None` for the client, acting through a link or the booking page.
    pub actor: Option<String>,
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

    #[test]
    fn every_action_has_its_own_words_in_both_languages() {
        for texts in [crate::i18n::Lang::Nb.texts(), crate::i18n::Lang::En.texts()] {
            let labels: std::collections::HashSet<&str> = AuditAction::ALL.iter().map(|a| a.label(texts)).collect();
            assert_eq!(labels.len(), AuditAction::ALL.len(), "two actions share a label");
        }
    }
}
