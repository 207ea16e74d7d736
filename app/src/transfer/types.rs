//! What the hand-over page shows, and what it asks for.

use serde::{Deserialize, Serialize};

/// What the account holds, by kind: what a new owner would see unless it is cleaned up first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holdings {
    pub clients: i64,
    pub appointments: i64,
    pub journal_entries: i64,
    pub consents: i64,
    pub messages: i64,
    pub files: i64,
    pub services: i64,
    /// Appointments the clients booked online (with each booker's sealed network address).
    pub bookings: i64,
}

/// The kinds of data the clean-up step deletes in bulk, as the form names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkKind {
    /// Every client with everything they own (keys first).
    Clients,
    /// Every appointment, the booking history with it.
    Appointments,
    JournalEntries,
    Consents,
    /// Every conversation with its messages and files.
    Messages,
    Services,
}

impl BulkKind {
    pub const ALL: [Self; 6] =
        [Self::Clients, Self::Appointments, Self::JournalEntries, Self::Consents, Self::Messages, Self::Services];

    /// The form field (a checkbox) that asks for this kind.
    pub fn field(self) -> &'static str {
        match self {
            Self::Clients => "clients",
            Self::Appointments => "appointments",
            Self::JournalEntries => "journal_entries",
            Self::Consents => "consents",
            Self::Messages => "messages",
            Self::Services => "services",
        }
    }
}

/// A hand-over under way: the new owner's address and name, and whether they have confirmed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTransfer {
    pub new_email: String,
    pub new_name: String,
    pub confirmed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferOverview {
    pub holdings: Holdings,
    pub pending: Option<PendingTransfer>,
}
