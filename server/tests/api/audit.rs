//! The practice's audit log: every read and write of a client's data (profile, appointments,
//! consent, journal; the practitioner's and the client's own steps) is recorded with who, what and
//! which client, and never a name, an address or any content. The client page shows it in words.

use app::booking::api::{Book, BookingAddress, BookingPage, FreeTimes};
use app::calendar::api::{CalendarWeek, CancelAppointment, CreateAppointment, GetAppointment, UpdateAppointment};
use app::clients::api::{GetClient, UpdateClient};
use app::consent::api::{
    ConsentOpened, ConsentRequests, ConsentTemplates, DeclineConsent, RemindConsent, RevokeConsent, SendConsent,
    SignConsent,
};
use app::journal::api::{CreateJournalEntry, JournalLog};
use leptos::server_fn::ServerFn as _;
use serde_json::Value;
use sqlx::Row;

use crate::calendar::practice;
use crate::helpers::{PASSWORD, PHONE_SAFARI, TestApp, browser_with_agent, spawn_app};

const OWNER: &str = "kari@example.no";
const MONDAY: &str = "2030-01-07";
const NOTES: &str = "Sover dårlig etter samlivsbruddet";
const JOURNAL: &str = "Snakket om angst og uro om natta";
const APPOINTMENT_NOTES: &str = "Ta med henvisningen fra fastlegen";
/// The Norwegian default declaration is sent: its mails are in Norwegian.
const SUBJECT: &str = "Klinikk Nord ber om ditt samtykke";

/// Everything that must never be in an audit row: the clients' names, addresses and every text.
const SECRETS: [&str; 9] =
    ["Siri", "Hansen", "siri@example.no", "Ola Nordmann", "Sover", "angst", "henvisningen", "Samtykke", "Eva Berg"];

async fn new_client(app: &TestApp, name: &str, email: &str, notes: &str) -> String {
    app.create_client(&app.client, &[("name", name), ("email", email), ("notes", notes)]).await
}

/// Sends the first declaration and returns the link's token from the newest mail.
async fn send_consent(app: &TestApp, client_id: &str, count: usize) -> String {
    let templates: Vec<Value> = app.call(ConsentTemplates::PATH, &[]).await.json().await.unwrap();
    let template = templates[0]["id"].to_string();
    let sent = app.call(SendConsent::PATH, &[("client_id", client_id), ("template_id", &template)]).await;
    assert_eq!(sent.status(), 200);
    token_in(&app.wait_for_subject("siri@example.no", SUBJECT, count).await[0])
}

fn token_in(mail: &str) -> String {
    let link = mail.lines().find(|l| l.contains("/consent?token=")).expect("a link in the mail");
    link.split("token=").nth(1).unwrap().trim().to_string()
}

async fn requests(app: &TestApp, client_id: &str) -> Vec<Value> {
    app.call(ConsentRequests::PATH, &[("client_id", client_id)]).await.json().await.unwrap()
}

/// (actor id, actor name, action, client, record) of every row, oldest first.
type AuditRow = (Option<i64>, String, String, Option<i64>, Option<i64>);

async fn audit_rows(app: &TestApp) -> Vec<AuditRow> {
    sqlx::query("SELECT actor_id, actor_name, action, client_id, record_id FROM practice_audit ORDER BY id")
        .fetch_all(&app.state.db)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

/// A practice where a client's data has been read and written every way there is, by the
/// practitioner and by the client. Returns the client ids (Siri, Ola) and Siri's signed link.
async fn busy_practice(app: &TestApp) -> (String, String, String) {
    app.signed_in_user(OWNER).await;
    let p = practice(app, &app.client).await;
    let ola = p.client.clone();
    let siri = new_client(app, "Siri Hansen", "siri@example.no", NOTES).await;
    assert_eq!(app.call(GetClient::PATH, &[("id", &siri)]).await.status(), 200);
    let form = [
        ("id", siri.as_str()),
        ("name", "Siri Hansen"),
        ("email", "siri@example.no"),
        ("phone", ""),
        ("birth_date", ""),
        ("address", ""),
        ("notes", NOTES),
    ];
    assert_eq!(app.call(UpdateClient::PATH, &form).await.status(), 200);

    // An appointment: made, read, changed, moved to Ola, cancelled.
    let made = [
        ("client_id", siri.as_str()),
        ("service_id", &p.service),
        ("date", MONDAY),
        ("time", "09:00"),
        ("notes", APPOINTMENT_NOTES),
    ];
    assert_eq!(app.call(CreateAppointment::PATH, &made).await.status(), 200);
    let week: Value = app.call(CalendarWeek::PATH, &[("date", MONDAY)]).await.json().await.unwrap();
    let appointment = week["appointments"][0]["id"].to_string();
    assert_eq!(app.call(GetAppointment::PATH, &[("id", &appointment)]).await.status(), 200);
    let mut change = vec![("id", appointment.as_str())];
    change.extend_from_slice(&made);
    change[4] = ("time", "10:00");
    assert_eq!(app.call(UpdateAppointment::PATH, &change).await.status(), 200);
    change[1] = ("client_id", ola.as_str());
    assert_eq!(app.call(UpdateAppointment::PATH, &change).await.status(), 200);
    assert_eq!(app.call(CancelAppointment::PATH, &[("id", &appointment)]).await.status(), 200);

    // Consent: sent, read, reminded (a new link), opened and signed by the client, both copies.
    let first = send_consent(app, &siri, 1).await;
    let request = requests(app, &siri).await[0]["id"].to_string();
    assert_eq!(app.call(RemindConsent::PATH, &[("client_id", &siri), ("id", &request)]).await.status(), 200);
    let reminder = "Påminnelse: Klinikk Nord ber om ditt samtykke";
    let token = token_in(&app.wait_for_subject("siri@example.no", reminder, 1).await[0]);
    assert_ne!(token, first);
    let phone = browser_with_agent(&app.base, PHONE_SAFARI);
    assert_eq!(app.call_with(&phone, ConsentOpened::PATH, &[("token", &token)]).await.status(), 200);
    let signing = [("token", token.as_str()), ("agree", "yes"), ("name", "Siri Hansen")];
    assert_eq!(app.call_with(&phone, SignConsent::PATH, &signing).await.status(), 200);
    let own_copy = phone.get(app.url(&format!("/consent/copy.pdf?token={token}"))).send().await.unwrap();
    assert_eq!(own_copy.status(), 200);
    assert_eq!(app.get(&format!("/clients/{siri}/consent/{request}/copy.pdf")).await.status(), 200);
    // Another request, revoked; and one declined by the client.
    send_consent(app, &siri, 2).await;
    let newest = requests(app, &siri).await[0]["id"].to_string();
    assert_eq!(app.call(RevokeConsent::PATH, &[("client_id", &siri), ("id", &newest)]).await.status(), 200);
    let declined = send_consent(app, &siri, 3).await;
    assert_eq!(app.call_with(&phone, DeclineConsent::PATH, &[("token", &declined)]).await.status(), 200);

    let entry = [("client_id", siri.as_str()), ("date", "2025-01-10"), ("title", "Første samtale"), ("text", JOURNAL)];
    assert_eq!(app.call(CreateJournalEntry::PATH, &entry).await.status(), 200);

    // A new client books online.
    let url: String = app.call(BookingAddress::PATH, &[]).await.json().await.unwrap();
    let slug = url.rsplit_once("/book/").unwrap().1.to_string();
    let offer: Value = app.call_with(&phone, BookingPage::PATH, &[("slug", &slug)]).await.json().await.unwrap();
    let date = offer["days"][1][0].as_str().unwrap().to_string();
    let times: Vec<String> = app
        .call_with(&phone, FreeTimes::PATH, &[("slug", &slug), ("service_id", &p.service), ("date", &date)])
        .await
        .json()
        .await
        .unwrap();
    let booking = [
        ("slug", slug.as_str()),
        ("service_id", &p.service),
        ("date", &date),
        ("time", &times[0]),
        ("name", "Eva Berg"),
        ("email", "eva@example.no"),
        ("phone", ""),
    ];
    let booked = app.call_with(&phone, Book::PATH, &booking).await;
    assert_eq!(booked.status(), 200, "{}", booked.text().await.unwrap());
    (siri, ola, token)
}

#[tokio::test]
async fn every_read_and_write_of_a_clients_data_is_logged_without_content() {
    let app = spawn_app().await;
    let (siri, ola, token) = busy_practice(&app).await;
    let rows = audit_rows(&app).await;
    let siri_id: i64 = siri.parse().unwrap();
    let ola_id: i64 = ola.parse().unwrap();
    let owner: i64 = app.count("SELECT id FROM users WHERE email = 'kari@example.no'").await;
    let by = |who: Option<i64>, client: i64, action: &str| {
        rows.iter().filter(|r| r.0 == who && r.3 == Some(client) && r.2 == action).count()
    };
    for (action, times) in [
        ("client.created", 1),
        ("client.read", 1),
        ("client.updated", 1),
        ("appointment.created", 1),
        ("appointment.read", 1),
        ("appointment.changed", 2),
        ("consent.sent", 3),
        ("consent.read", 2),
        ("consent.reminded", 1),
        ("consent.copy", 1),
        ("consent.revoked", 1),
        ("journal.created", 1),
    ] {
        assert_eq!(by(Some(owner), siri_id, action), times, "{action} by the practitioner");
    }
    // The appointment moved to Ola: his log shows it too, and its cancellation.
    assert_eq!(by(Some(owner), ola_id, "appointment.changed"), 1);
    assert_eq!(by(Some(owner), ola_id, "appointment.cancelled"), 1);
    assert_eq!(by(Some(owner), ola_id, "client.created"), 1);
    // The client's own steps, with no actor.
    for (action, times) in
        [("consent.opened", 2), ("consent.signed", 1), ("consent.copy_by_link", 1), ("consent.declined", 1)]
    {
        assert_eq!(by(None, siri_id, action), times, "{action} by the client");
    }
    let eva: i64 = app.count("SELECT MAX(client_id) FROM practice_audit WHERE action = 'appointment.booked'").await;
    assert_eq!(by(None, eva, "appointment.booked"), 1);
    assert!(eva != siri_id && eva != ola_id);
    // Records name the request or appointment they concern.
    let request = app.count("SELECT MIN(id) FROM consent_requests").await;
    assert!(rows.iter().any(|r| r.2 == "consent.signed" && r.4 == Some(request)));

    // Never a name, an address or a text: not in any column of any row.
    for row in &rows {
        let text = format!("{row:?}");
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret:?} in the audit row {text}");
        }
        match row.0 {
            Some(actor) => assert_eq!((actor, row.1.as_str()), (owner, "Kari Nordmann")),
            None => assert_eq!(row.1, "", "no name kept for a client"),
        }
    }

    // The owner reads it, newest first, the client's steps without a name.
    let log: Vec<Value> = app.call(JournalLog::PATH, &[("client_id", &siri)]).await.json().await.unwrap();
    assert_eq!(log[0]["action"], "JournalCreated");
    let signed = log.iter().find(|e| e["action"] == "ConsentSigned").unwrap();
    assert!(signed["actor"].is_null());
    assert!(log.iter().any(|e| e["action"] == "ConsentCopyDownloaded" && e["actor"] == "Kari Nordmann"));
    // Another practice reads nothing of it.
    let other = app.other_practitioner("per@example.no").await;
    assert_eq!(app.call_with(&other, JournalLog::PATH, &[("client_id", &siri)]).await.status(), 404);
    assert_eq!(app.call_with(&other, GetClient::PATH, &[("id", &siri)]).await.status(), 404);
    assert_eq!(audit_rows(&app).await.len(), rows.len(), "refused reads are not someone's access");
    assert!(!token.is_empty());
}

#[tokio::test]
async fn the_client_page_shows_each_kind_of_access_in_words_in_both_languages() {
    let app = spawn_app().await;
    let (siri, _, _) = busy_practice(&app).await;
    assert_eq!(app.log_in(OWNER, PASSWORD).await.status(), 200);
    let words = [
        (
            "en-GB",
            [
                "Access log",
                "Opened the client profile",
                "Added the client",
                "Booked an appointment",
                "Opened an appointment",
                "Changed an appointment",
                "Sent a consent request",
                "Read the consent requests",
                "Sent a consent reminder",
                "Revoked a consent link",
                "Downloaded a signed consent copy",
                "Opened the consent request",
                "Signed the consent",
                "Downloaded their signed copy",
                "Declined the consent",
                "Wrote a journal entry",
                "The client",
            ],
        ),
        (
            "nb-NO,nb;q=0.9",
            [
                "Tilgangslogg",
                "Åpnet klientprofilen",
                "La til klienten",
                "Satte opp en avtale",
                "Åpnet en avtale",
                "Endret en avtale",
                "Sendte en samtykkeforespørsel",
                "Leste samtykkeforespørslene",
                "Sendte en påminnelse om samtykke",
                "Trakk tilbake en samtykkelenke",
                "Lastet ned en signert samtykkekopi",
                "Åpnet samtykkeforespørselen",
                "Signerte samtykket",
                "Lastet ned sin signerte kopi",
                "Avslo samtykket",
                "Skrev et journalnotat",
                "Klienten",
            ],
        ),
    ];
    for (language, expected) in words {
        let page = app.client.get(app.url(&format!("/clients/{siri}"))).header("accept-language", language);
        let html = page.send().await.unwrap().text().await.unwrap();
        let log = html.split("journal-log").nth(1).expect("the access log on the client page");
        for text in expected {
            assert!(log.contains(text), "{language}: {text:?} missing from the access log");
        }
    }
}
