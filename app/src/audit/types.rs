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
    /// The practitioner opened the conversation.
    MessagesRead,
    MessageSent,
    MessageFileDownloaded,
    ConversationClosed,
    ConversationReopened,
    MessageLinksRevoked,
    /// The client's steps through their message link.
    MessageCodeSent,
    MessageDeviceVerified,
    MessagesReadByClient,
    MessageReplied,
    MessageFileByLink,
    /// The cleanup setting was saved (the record is the period in months).
    CleanupChanged,
    /// The client was kept from the cleanup, or let go again.
    ClientHeld,
    ClientHoldReleased,
    /// Everything about the client was downloaded as one archive.
    ClientExported,
    /// The whole practice's archive was asked for, and downloaded.
    PracticeExportStarted,
    PracticeExported,
    /// Clean-up before a hand-over: every record of a kind deleted at once (the record id is how
    /// many).
    AllClientsDeleted,
    AllAppointmentsDeleted,
    AllJournalsDeleted,
    AllConsentsDeleted,
    AllMessagesDeleted,
    AllServicesDeleted,
    /// A hand-over to a new owner was begun, and completed.
    TransferStarted,
    PracticeTransferred,
    /// A booking's IP address was asked for; support approved or refused; the practitioner saw it.
    IpAddressRequested,
    IpRequestApproved,
    IpRequestRefused,
    IpAddressReleased,
}

impl AuditAction {
    const ALL: [Self; 53] = [
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
        Self::MessagesRead,
        Self::MessageSent,
        Self::MessageFileDownloaded,
        Self::ConversationClosed,
        Self::ConversationReopened,
        Self::MessageLinksRevoked,
        Self::MessageCodeSent,
        Self::MessageDeviceVerified,
        Self::MessagesReadByClient,
        Self::MessageReplied,
        Self::MessageFileByLink,
        Self::CleanupChanged,
        Self::ClientHeld,
        Self::ClientHoldReleased,
        Self::ClientExported,
        Self::PracticeExportStarted,
        Self::PracticeExported,
        Self::AllClientsDeleted,
        Self::AllAppointmentsDeleted,
        Self::AllJournalsDeleted,
        Self::AllConsentsDeleted,
        Self::AllMessagesDeleted,
        Self::AllServicesDeleted,
        Self::TransferStarted,
        Self::PracticeTransferred,
        Self::IpAddressRequested,
        Self::IpRequestApproved,
        Self::IpRequestRefused,
        Self::IpAddressReleased,
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
            Self::MessagesRead => "messages.read",
            Self::MessageSent => "message.sent",
            Self::MessageFileDownloaded => "message.file",
            Self::ConversationClosed => "conversation.closed",
            Self::ConversationReopened => "conversation.reopened",
            Self::MessageLinksRevoked => "message.links_revoked",
            Self::MessageCodeSent => "message.code_sent",
            Self::MessageDeviceVerified => "message.verified",
            Self::MessagesReadByClient => "messages.read_by_client",
            Self::MessageReplied => "message.replied",
            Self::MessageFileByLink => "message.file_by_link",
            Self::CleanupChanged => "cleanup.changed",
            Self::ClientHeld => "cleanup.held",
            Self::ClientHoldReleased => "cleanup.released",
            Self::ClientExported => "client.exported",
            Self::PracticeExportStarted => "practice.export_started",
            Self::PracticeExported => "practice.exported",
            Self::AllClientsDeleted => "transfer.clients_deleted",
            Self::AllAppointmentsDeleted => "transfer.appointments_deleted",
            Self::AllJournalsDeleted => "transfer.journals_deleted",
            Self::AllConsentsDeleted => "transfer.consents_deleted",
            Self::AllMessagesDeleted => "transfer.messages_deleted",
            Self::AllServicesDeleted => "transfer.services_deleted",
            Self::TransferStarted => "transfer.started",
            Self::PracticeTransferred => "transfer.completed",
            Self::IpAddressRequested => "ip.requested",
            Self::IpRequestApproved => "ip.approved",
            Self::IpRequestRefused => "ip.refused",
            Self::IpAddressReleased => "ip.released",
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
            Self::MessagesRead => t.audit_messages_read,
            Self::MessageSent => t.audit_message_sent,
            Self::MessageFileDownloaded => t.audit_message_file,
            Self::ConversationClosed => t.audit_conversation_closed,
            Self::ConversationReopened => t.audit_conversation_reopened,
            Self::MessageLinksRevoked => t.audit_message_links_revoked,
            Self::MessageCodeSent => t.audit_message_code_sent,
            Self::MessageDeviceVerified => t.audit_message_verified,
            Self::MessagesReadByClient => t.audit_messages_read_by_client,
            Self::MessageReplied => t.audit_message_replied,
            Self::MessageFileByLink => t.audit_message_file_by_link,
            Self::CleanupChanged => t.audit_cleanup_changed,
            Self::ClientHeld => t.audit_client_held,
            Self::ClientHoldReleased => t.audit_client_hold_released,
            Self::ClientExported => t.audit_client_exported,
            Self::PracticeExportStarted => t.audit_practice_export_started,
            Self::PracticeExported => t.audit_practice_exported,
            Self::AllClientsDeleted => t.audit_all_clients_deleted,
            Self::AllAppointmentsDeleted => t.audit_all_appointments_deleted,
            Self::AllJournalsDeleted => t.audit_all_journals_deleted,
            Self::AllConsentsDeleted => t.audit_all_consents_deleted,
            Self::AllMessagesDeleted => t.audit_all_messages_deleted,
            Self::AllServicesDeleted => t.audit_all_services_deleted,
            Self::TransferStarted => t.audit_transfer_started,
            Self::PracticeTransferred => t.audit_practice_transferred,
            Self::IpAddressRequested => t.audit_ip_requested,
            Self::IpRequestApproved => t.audit_ip_approved,
            Self::IpRequestRefused => t.audit_ip_refused,
            Self::IpAddressReleased => t.audit_ip_released,
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
