//! What a client's export holds, gathered from each feature through its own narrow function, and
//! the same record as a PDF a person can read.

use serde::Serialize;

use crate::calendar::service::AppointmentRecord;
use crate::clients::types::Client;
use crate::consent::service::ConsentRecord;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ids::{ClientId, PracticeId};
use crate::journal::service::EntryRecord;
use crate::local_time;
use crate::messages::service::MessageRecord;
use crate::server::pdf::Document;
use crate::server::state::AppState;

/// The format's name and version, first in every `client.json`.
pub const FORMAT: &str = "trygg-client-record/1";

#[derive(Serialize)]
pub struct ClientRecord {
    pub format: &'static str,
    pub exported_at: String,
    pub practice: String,
    pub time_zone: String,
    pub client: Client,
    pub appointments: Vec<AppointmentRecord>,
    pub journal: Vec<EntryRecord>,
    pub consents: Vec<ConsentRecord>,
    pub messages: Vec<MessageRecord>,
}

/// A client's record with the consent copies (request id, PDF) that go beside it.
pub struct Gathered {
    pub record: ClientRecord,
    pub consent_copies: Vec<(i64, Vec<u8>)>,
}

/// Everything the practice holds about the client, opened; `None` when it has no such client.
pub async fn gather(
    state: &AppState,
    practice_id: PracticeId,
    client_id: ClientId,
    lang: Lang,
) -> Result<Option<Gathered>, AppError> {
    let Some((client, keys)) = crate::clients::service::with_keys(state, practice_id, client_id).await? else {
        return Ok(None);
    };
    let practice = crate::profile::store::name_of(&state.db, practice_id).await?;
    let zone = crate::profile::store::zone_of(&state.db, practice_id).await?;
    let appointments = crate::calendar::service::records_of(state, practice_id, client_id, &keys, zone).await?;
    let journal = crate::journal::service::records_of(state, practice_id, client_id, &keys, zone).await?;
    let consents = crate::consent::service::records_of(state, practice_id, client_id, &keys, zone, lang).await?;
    let messages = crate::messages::service::records_of(state, practice_id, client_id, &keys, zone).await?;
    let (consents, consent_copies) = consents.into_iter().map(|(record, pdf)| ((record.request, pdf), record)).fold(
        (Vec::new(), Vec::new()),
        |(mut records, mut copies), (copy, record)| {
            records.push(record);
            copies.push(copy);
            (records, copies)
        },
    );
    let record = ClientRecord {
        format: FORMAT,
        exported_at: local_time::instant_text(zone, state.clock.now()),
        practice,
        time_zone: zone.name().to_string(),
        client,
        appointments,
        journal,
        consents,
        messages,
    };
    Ok(Some(Gathered { record, consent_copies }))
}

/// The record as a PDF in `lang`: the client's details, then each kind of data in time order.
pub fn render(lang: Lang, record: &ClientRecord) -> Vec<u8> {
    let t = lang.texts();
    let footer = format!("{} · {} · {}", t.export_title, record.client.name, record.practice);
    let mut doc = Document::new(t.export_title, lang.code(), &footer);
    let when = |instant: &str| crate::dates::moment(lang, &instant.get(..16).unwrap_or(instant).replace('T', " "));
    doc.paragraph(&record.practice);
    doc.title(&format!("{}: {}", t.export_title, record.client.name));
    doc.paragraph(&t.export_intro.replace("{when}", &when(&record.exported_at)));

    let client = &record.client;
    doc.heading(t.export_details);
    doc.row(t.client_name, &client.name);
    doc.row(t.email, &client.email);
    doc.row(t.client_phone, &client.phone);
    doc.row(t.client_birth_date, &client.birth_date);
    doc.row(t.client_address, &client.address);
    doc.row(t.client_notes, &client.notes);

    doc.heading(t.export_appointments);
    none_if_empty(&mut doc, t.export_none, record.appointments.is_empty());
    for appointment in &record.appointments {
        let status = if appointment.status == "booked" { "" } else { t.export_cancelled };
        let label = format!("{} {status}", when(&appointment.starts)).trim().to_string();
        let mut detail = appointment.service.clone();
        if appointment.source == "online" {
            detail = format!("{detail}\n{}", t.appointment_online).trim().to_string();
        }
        if !appointment.notes.is_empty() {
            detail = format!("{detail}\n{}", appointment.notes).trim().to_string();
        }
        doc.row(&label, &detail);
    }

    doc.heading(t.export_journal);
    none_if_empty(&mut doc, t.export_none, record.journal.is_empty());
    for entry in &record.journal {
        let Some(current) = entry.versions.last() else { continue };
        doc.paragraph(&format!("{} · {}", crate::dates::long_date_of(lang, &current.date), current.title));
        for version in entry.versions.iter().rev() {
            let written = t
                .export_version
                .replace("{n}", &version.version.to_string())
                .replace("{when}", &when(&version.written))
                .replace("{author}", &version.author);
            doc.row(&written, &format!("{}\n{}", version.title, version.text));
        }
        doc.space(6.0);
    }

    doc.heading(t.export_consents);
    none_if_empty(&mut doc, t.export_none, record.consents.is_empty());
    for consent in &record.consents {
        doc.paragraph(&format!("{} ({} {})", consent.title, t.consent_copy_version, consent.version));
        let status = match (consent.status, consent.expired) {
            (_, true) => t.consent_status_expired,
            ("sent", _) => t.consent_status_sent,
            ("opened", _) => t.consent_status_opened,
            ("signed", _) => t.consent_status_signed,
            ("declined", _) => t.consent_status_declined,
            ("withdrawn", _) => t.consent_status_withdrawn,
            _ => t.export_consent_revoked,
        };
        doc.row(t.consent_copy_status, status);
        doc.row(t.consent_status_sent, &when(&consent.sent));
        if let Some(name) = &consent.typed_name {
            doc.row(t.consent_copy_typed_name, name);
        }
        for event in &consent.events {
            doc.row(&when(&event.at), &format!("{}\n{}: {}", event.what, t.sessions_ip, event.ip));
        }
        doc.space(6.0);
    }

    doc.heading(t.export_messages);
    none_if_empty(&mut doc, t.export_none, record.messages.is_empty());
    for message in &record.messages {
        let from = if message.from == "client" { t.export_from_client } else { t.export_from_practice };
        let mut text = message.text.clone();
        for file in &message.files {
            text = format!("{text}\n{}: {} ({})", t.export_file, file.name, file.path);
        }
        doc.row(&format!("{}\n{from}", when(&message.sent)), &text);
    }
    doc.finish()
}

fn none_if_empty(doc: &mut Document, none: &str, empty: bool) {
    if empty {
        doc.paragraph(none);
    }
}
