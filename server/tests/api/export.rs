//! Data out: a client's archive holds exactly that client's data (details, appointments, the
//! journal with every version, consents with their evidence, messages and their files) as a PDF,
//! as JSON and as the files themselves, and nothing of another client or practice. Only the
//! client's own practice gets it; each export is recorded, and no copy stays on disk.

use std::io::Read;

use app::calendar::api::CreateAppointment;
use app::journal::api::{CreateJournalEntry, EditJournalEntry};
use leptos::server_fn::ServerFn as _;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

const OWNER: &str = "kari@example.no";
const EMAIL: &str = "qzx.klient@example.no";
const FILE: &[u8] = b"%PDF-1.4\nQzx-file-content: epikrise\n%%EOF";

/// Every entry of the archive: name and uncompressed bytes.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP archive");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (entry.name().to_string(), content)
        })
        .collect()
}

fn entry<'a>(entries: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &entries.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} in the archive")).1
}

async fn export(app: &TestApp, browser: &reqwest::Client, id: &str) -> reqwest::Response {
    browser.get(app.url(&format!("/clients/{id}/export.zip"))).send().await.unwrap()
}

/// A client with some of everything, each text marked with `mark`.
async fn client_with_everything(app: &TestApp, name: &str, email: &str, mark: &str, service: &str) -> String {
    let notes = format!("{mark}-notes");
    let id = app.create_client(&app.client, &[("name", name), ("email", email), ("notes", &notes)]).await;
    let zone = app::local_time::zone("Europe/Oslo");
    let mut at = app.clock.now() + 2 * 86_400;
    while app::local_time::weekday(app::local_time::to_local(zone, at).0) > 4 {
        at += 86_400;
    }
    let date = app::dates::date_text(app::local_time::to_local(zone, at).0);
    let time = if mark.ends_with('A') { "10:00" } else { "12:00" };
    let appointment_notes = format!("{mark}-appointment");
    let form = [
        ("client_id", id.as_str()),
        ("service_id", service),
        ("date", &date),
        ("time", time),
        ("notes", &appointment_notes),
    ];
    let booked = app.call(CreateAppointment::PATH, &form).await;
    assert_eq!(booked.status(), 200, "{}", booked.text().await.unwrap());

    let first = format!("{mark}-journal-first");
    let form = [("client_id", id.as_str()), ("date", "2026-01-10"), ("title", "Første samtale"), ("text", &first)];
    assert_eq!(app.call(CreateJournalEntry::PATH, &form).await.status(), 200);
    let entry = app.count("SELECT MAX(id) FROM journal_entries").await.to_string();
    let second = format!("{mark}-journal-second");
    let form = [
        ("client_id", id.as_str()),
        ("entry_id", &entry),
        ("version", "1"),
        ("date", "2026-01-10"),
        ("title", "Første samtale"),
        ("text", &second),
    ];
    assert_eq!(app.call(EditJournalEntry::PATH, &form).await.status(), 200);

    let token = crate::consent::send(app, &id, email, 1).await;
    assert_eq!(crate::consent::sign(app, &token, name).await.status(), 200);

    let form = Form::new()
        .text("body", format!("{mark}-message"))
        .part("files", Part::bytes(FILE.to_vec()).file_name(format!("{mark}-epikrise.pdf")));
    let sent = app.client.post(app.url(&format!("/messages/{id}/send"))).multipart(form).send().await.unwrap();
    assert_eq!(sent.status(), 303);
    id
}

#[tokio::test]
async fn a_client_archive_holds_that_client_whole_and_nothing_else() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let service = crate::cleanup::opening_hours_and_service(&app).await;
    let id = client_with_everything(&app, "Qzx Klient", EMAIL, "QzxA", &service).await;
    let other = client_with_everything(&app, "Ola Annen", "ola.annen@example.no", "OtherB", &service).await;

    let response = export(&app, &app.client, &id).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with(&format!("attachment; filename=\"trygg-client-{id}-")), "{disposition}");
    let archive = entries(&response.bytes().await.unwrap());
    let mut names: Vec<&str> = archive.iter().map(|(name, _)| name.as_str()).collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(&names[..2], ["client.json", "client.pdf"]);
    assert!(names[2].starts_with("consents/") && names[2].ends_with(".pdf"), "{names:?}");
    assert_eq!(names[3], "files/1-QzxA-epikrise.pdf");
    assert_eq!(entry(&archive, "files/1-QzxA-epikrise.pdf"), FILE, "the file as it was sent");

    let json: Value = serde_json::from_slice(entry(&archive, "client.json")).unwrap();
    assert_eq!(json["format"], "trygg-client-record/1");
    assert_eq!(json["client"]["name"], "Qzx Klient");
    assert_eq!(json["client"]["email"], EMAIL);
    assert_eq!(json["client"]["notes"], "QzxA-notes");
    assert_eq!(json["appointments"].as_array().unwrap().len(), 1);
    assert_eq!(json["appointments"][0]["notes"], "QzxA-appointment");
    assert_eq!(json["appointments"][0]["service"], "Samtale");
    let versions = json["journal"][0]["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "every version of the entry");
    assert_eq!(versions[0]["text"], "QzxA-journal-first");
    assert_eq!(versions[1]["text"], "QzxA-journal-second");
    let consent = &json["consents"][0];
    assert_eq!(consent["status"], "signed");
    assert_eq!(consent["typed_name"], "Qzx Klient");
    let events: Vec<&str> = consent["events"].as_array().unwrap().iter().map(|e| e["what"].as_str().unwrap()).collect();
    assert!(events.contains(&"signed"), "{events:?}");
    assert_eq!(consent["text_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(json["messages"][0]["text"], "QzxA-message");
    assert_eq!(json["messages"][0]["from"], "practitioner");
    assert_eq!(json["messages"][0]["files"][0]["path"], "files/1-QzxA-epikrise.pdf");
    assert_eq!(json["messages"][0]["files"][0]["content_type"], "application/pdf");

    let pdf = app::server::pdf::text_of(entry(&archive, "client.pdf"));
    for expected in ["Qzx Klient", "QzxA-notes", "QzxA-appointment", "QzxA-journal-first", "QzxA-journal-second"] {
        assert!(pdf.contains(expected), "the PDF shows {expected}");
    }
    assert!(pdf.contains("QzxA-message"));
    let copy = app::server::pdf::text_of(entry(&archive, names[2]));
    assert!(copy.contains("Qzx Klient"), "the consent copy names who signed");

    for (name, bytes) in &archive {
        let text = match name.ends_with(".pdf") && !name.starts_with("files/") {
            true => app::server::pdf::text_of(bytes),
            false => String::from_utf8_lossy(bytes).to_string(),
        };
        for foreign in ["OtherB", "Ola Annen", "ola.annen@example.no"] {
            assert!(!text.contains(foreign), "{name} holds {foreign} of another client");
        }
    }
    let recorded = app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'client.exported'").await;
    assert_eq!(recorded, 1);
    let left = std::fs::read_dir(app.state.config.data_dir.join("exports")).unwrap().count();
    assert_eq!(left, 0, "no copy of the archive stays on disk");
    assert_eq!(export(&app, &app.client, &other).await.status(), 200, "the other client exports too");
}

#[tokio::test]
async fn only_the_clients_own_practice_gets_its_archive() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = app.create_client(&app.client, &[("name", "Qzx Klient"), ("notes", "QzxA-notes")]).await;

    let intruder = app.other_practitioner("ola@example.no").await;
    let refused = export(&app, &intruder, &id).await;
    assert_eq!(refused.status(), 404);
    let body = refused.bytes().await.unwrap();
    assert!(!String::from_utf8_lossy(&body).contains("Qzx"));

    let stranger = crate::helpers::browser(&app.base);
    let anonymous = export(&app, &stranger, &id).await;
    assert!(anonymous.status() == 303 || anonymous.status() == 401, "{}", anonymous.status());
    for id in ["0", "x", "99999999999999999999", "-1"] {
        assert_eq!(export(&app, &app.client, id).await.status(), 404, "{id}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'client.exported'").await, 0);
}

mod practice {
    use super::*;
    use app::export::api::{GetPracticeExport, StartPracticeExport};

    const READY_SUBJECT: &str = "Your Trygg export is ready";

    async fn status(app: &TestApp, browser: &reqwest::Client) -> Value {
        let response = app.call_with(browser, GetPracticeExport::PATH, &[]).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Waits until the newest export is no longer being built; its status.
    async fn finished(app: &TestApp, browser: &reqwest::Client) -> Value {
        for _ in 0..400 {
            let now = status(app, browser).await;
            if now["stage"].get("Building").is_none() {
                return now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the export was not finished in time");
    }

    async fn link_token(app: &TestApp, to: &str, count: usize) -> String {
        let bodies = app.wait_for_subject(to, READY_SUBJECT, count).await;
        let line = bodies[0].lines().find(|l| l.contains("/settings/export/download?token=")).expect("a link");
        line.split("token=").nth(1).unwrap().trim().to_string()
    }

    async fn download(app: &TestApp, browser: &reqwest::Client, token: &str) -> reqwest::Response {
        browser.get(app.url(&format!("/settings/export/download?token={token}"))).send().await.unwrap()
    }

    #[tokio::test]
    async fn the_whole_practice_comes_out_once_through_the_owners_link_and_is_sealed_meanwhile() {
        let app = spawn_app().await;
        app.signed_in_user(OWNER).await;
        let service = crate::cleanup::opening_hours_and_service(&app).await;
        let kari = client_with_everything(&app, "Qzx Klient", EMAIL, "QzxA", &service).await;
        let ola = app.create_client(&app.client, &[("name", "Ola Nordmann"), ("notes", "QzxO-notes")]).await;
        let other = app.other_practitioner("ola@example.no").await;
        let foreign = app.create_client(&other, &[("name", "Fremmed Klient"), ("notes", "Foreign-notes")]).await;

        for (password, problem) in [("", "WrongPassword"), ("not my password at all", "WrongPassword")] {
            let refused = app.call(StartPracticeExport::PATH, &[("password", password)]).await;
            assert_eq!(refused.status(), 422);
            let error = crate::helpers::error_of(refused).await;
            assert_eq!(crate::helpers::validation(&error), [("password".to_string(), serde_json::json!(problem))]);
        }
        assert_eq!(status(&app, &app.client).await, Value::Null, "nothing was started");

        let started = app.call(StartPracticeExport::PATH, &[("password", crate::helpers::PASSWORD)]).await;
        assert_eq!(started.status(), 200);
        let done = finished(&app, &app.client).await;
        assert!(done["stage"].get("Ready").is_some(), "{done}");
        let token = link_token(&app, OWNER, 1).await;

        // Meanwhile the archive sits in the database sealed: a file sent as is does not show.
        let pieces: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT sealed FROM practice_export_pieces").fetch_all(&app.state.db).await.unwrap();
        assert!(!pieces.is_empty());
        let marker = b"Qzx-file-content";
        assert!(pieces.iter().all(|piece| !piece.windows(marker.len()).any(|w| w == marker)));

        assert_eq!(download(&app, &other, &token).await.status(), 404, "another practice's owner");
        let stranger = crate::helpers::browser(&app.base);
        let anonymous = download(&app, &stranger, &token).await;
        assert!(anonymous.status() == 303 || anonymous.status() == 401);
        assert_eq!(download(&app, &app.client, "forged").await.status(), 404);

        let response = download(&app, &app.client, &token).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/zip");
        let length: usize = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
        let bytes = response.bytes().await.unwrap();
        assert_eq!(bytes.len(), length);
        let archive = entries(&bytes);
        let names: Vec<&str> = archive.iter().map(|(name, _)| name.as_str()).collect();
        let practice: Value = serde_json::from_slice(entry(&archive, "practice.json")).unwrap();
        assert_eq!(practice["practice"]["name"], "Klinikk Nord");
        assert_eq!(practice["services"][0]["name"], "Samtale");
        let kari_json: Value =
            serde_json::from_slice(entry(&archive, &format!("clients/{kari}-Qzx_Klient/client.json"))).unwrap();
        assert_eq!(kari_json["journal"][0]["versions"][1]["text"], "QzxA-journal-second");
        assert_eq!(entry(&archive, &format!("clients/{kari}-Qzx_Klient/files/1-QzxA-epikrise.pdf")), FILE);
        let ola_json: Value =
            serde_json::from_slice(entry(&archive, &format!("clients/{ola}-Ola_Nordmann/client.json"))).unwrap();
        assert_eq!(ola_json["client"]["notes"], "QzxO-notes");
        assert!(names.iter().all(|name| !name.contains(&format!("clients/{foreign}-"))), "{names:?}");
        for (name, bytes) in &archive {
            assert!(!String::from_utf8_lossy(bytes).contains("Foreign-notes"), "{name}");
        }

        assert_eq!(download(&app, &app.client, &token).await.status(), 404, "the link works once");
        for _ in 0..200 {
            if app.count("SELECT COUNT(*) FROM practice_export_pieces").await == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM practice_export_pieces").await, 0, "deleted once sent");
        assert_eq!(status(&app, &app.client).await["stage"], "Taken");
        let audit = |action: &'static str| format!("SELECT COUNT(*) FROM practice_audit WHERE action = '{action}'");
        assert_eq!(app.count(&audit("practice.export_started")).await, 1);
        assert_eq!(app.count(&audit("practice.exported")).await, 1);
    }

    #[tokio::test]
    async fn the_link_runs_out_after_a_day_and_the_pieces_go() {
        let app = spawn_app().await;
        app.signed_in_user(OWNER).await;
        app.create_client(&app.client, &[("name", "Qzx Klient")]).await;
        let started = app.call(StartPracticeExport::PATH, &[("password", crate::helpers::PASSWORD)]).await;
        assert_eq!(started.status(), 200);
        finished(&app, &app.client).await;
        let token = link_token(&app, OWNER, 1).await;
        app.clock.advance(24 * 3600);
        assert_eq!(app.log_in(OWNER, crate::helpers::PASSWORD).await.status(), 200);
        assert_eq!(download(&app, &app.client, &token).await.status(), 404);
        assert_eq!(status(&app, &app.client).await["stage"], "Expired");
        app::startup::purge_expired(&app.state).await.unwrap();
        assert_eq!(app.count("SELECT COUNT(*) FROM practice_export_pieces").await, 0);
    }
}
