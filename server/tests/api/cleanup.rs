//! Cleanup ("Opprydning"), played as the practice, a second server and an operator who pulls the
//! plug: clients past the period go with everything they own, held and active ones stay, a dry
//! run changes nothing, the 14-day notice goes once, two servers delete each client once, a run
//! killed mid-way leaves no half-deleted client, and the raw database holds nothing of the
//! deleted client afterwards. Also: the setting refuses bad input, another practice reaches
//! nothing, and a deletion by hand takes the same path.

use std::time::Duration;

use app::calendar::api::CreateAppointment;
use app::cleanup::api::{GetCleanup, HoldClient, ReleaseHold, SaveCleanup};
use app::cleanup::service::{LEASE_SECS, RunMode, RunReport, run};
use app::clients::api::{DeleteClient, GetClient};
use app::consent::api::{ConsentTemplates, SendConsent};
use app::journal::api::CreateJournalEntry;
use app::services::api::{CreateService, ListServices, SetOpeningHours};
use leptos::server_fn::ServerFn as _;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, error_of, fields, spawn_another_instance, spawn_app};

const OWNER: &str = "kari@example.no";
const DAY: i64 = 86_400;
const GONE: &str = "Qzxgone Gammelklient";
const GONE_EMAIL: &str = "qzxgone@example.no";
const HELD_REASON: &str = "Qzx-grunn: saken er ikke avsluttet";

async fn save(app: &TestApp, browser: &reqwest::Client, form: &[(&str, &str)]) -> reqwest::Response {
    let mut full: Vec<(&str, &str)> = vec![("period", "120"), ("months", "")];
    for (key, value) in form {
        full.retain(|(k, _)| k != key);
        full.push((key, value));
    }
    app.call_with(browser, SaveCleanup::PATH, &full).await
}

/// Cleanup on, one year after the last activity (confirmed, being under ten).
async fn switch_on(app: &TestApp) {
    let saved = save(app, &app.client, &[("enabled", "on"), ("period", "12"), ("confirmed", "on")]).await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
}

async fn overview(app: &TestApp, browser: &reqwest::Client) -> Value {
    let response = app.call_with(browser, GetCleanup::PATH, &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|item| item["name"].as_str().unwrap().to_string()).collect()
}

async fn run_now(app: &TestApp, mode: RunMode) -> RunReport {
    run(&app.state, mode).await.expect("the run works").expect("no other run holds the lease")
}

/// Moves the clock on and signs the practitioner in again (the session has run out).
async fn later(app: &TestApp, days: i64) {
    app.clock.advance(days * DAY);
    let response = app.log_in(OWNER, PASSWORD).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn journal(app: &TestApp, client: &str, title: &str) {
    let form = [("client_id", client), ("date", "2026-01-10"), ("title", title), ("text", "Qzx-journaltekst: søvn")];
    assert_eq!(app.call(CreateJournalEntry::PATH, &form).await.status(), 200);
}

/// Monday to Friday 08–16 and a 50-minute service; the service's id.
pub(crate) async fn opening_hours_and_service(app: &TestApp) -> String {
    let mut hours = Vec::new();
    for day in 0..5 {
        hours.push((format!("hours[d{day}_open]"), "on".to_string()));
        hours.push((format!("hours[d{day}_from]"), "08:00".to_string()));
        hours.push((format!("hours[d{day}_to]"), "16:00".to_string()));
    }
    let form: Vec<(&str, &str)> = hours.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(app.call(SetOpeningHours::PATH, &form).await.status(), 200);
    let service = [("name", "Samtale"), ("duration", "50"), ("price", "850")];
    assert_eq!(app.call(CreateService::PATH, &service).await.status(), 200);
    let services: Vec<Value> = app.call(ListServices::PATH, &[]).await.json().await.unwrap();
    services[0]["id"].to_string()
}

/// An appointment at 10:00 on the first weekday at least two days ahead (by the app's clock).
pub(crate) async fn book(app: &TestApp, client: &str, service: &str) {
    let zone = app::local_time::zone("Europe/Oslo");
    let mut at = app.clock.now() + 2 * DAY;
    while app::local_time::weekday(app::local_time::to_local(zone, at).0) > 4 {
        at += DAY;
    }
    let date = app::dates::date_text(app::local_time::to_local(zone, at).0);
    let form = [("client_id", client), ("service_id", service), ("date", &date), ("time", "10:00"), ("notes", "")];
    let booked = app.call(CreateAppointment::PATH, &form).await;
    assert_eq!(booked.status(), 200, "{}", booked.text().await.unwrap());
}

async fn send_consent(app: &TestApp, client: &str) {
    let templates: Vec<Value> = app.call(ConsentTemplates::PATH, &[]).await.json().await.unwrap();
    let template = templates[0]["id"].to_string();
    let sent = app.call(SendConsent::PATH, &[("client_id", client), ("template_id", &template)]).await;
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
}

async fn send_message(app: &TestApp, client: &str) {
    let form = Form::new()
        .text("body", "Qzx-melding: her er notatet")
        .part("files", Part::bytes(b"%PDF-1.4\nQzx-fil\n%%EOF".to_vec()).file_name("Qzx-epikrise.pdf"));
    let sent = app.client.post(app.url(&format!("/messages/{client}/send"))).multipart(form).send().await.unwrap();
    assert_eq!(sent.status(), 303);
}

/// Every table that holds a client's rows, and how many each holds now.
async fn table_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "clients",
        "client_keys",
        "appointments",
        "journal_entries",
        "journal_versions",
        "consent_requests",
        "conversations",
        "messages",
        "message_files",
        "message_file_chunks",
        "message_links",
        "outbox",
        "cleanup_holds",
        "cleanup_notices",
        "deletion_log",
        "practice_audit",
    ] {
        counts.push((table, app.count(&format!("SELECT COUNT(*) FROM {table}")).await));
    }
    counts
}

/// Every sealed value of the client as it lies in the database: its profile, keys, journal,
/// consent, messages, file names and contents, and its mails in the outbox.
async fn sealed_values_of(app: &TestApp, id: i64) -> Vec<(String, Vec<u8>)> {
    let queries = [
        ("profile", "SELECT profile_sealed FROM clients WHERE id = $1"),
        ("wrapped key", "SELECT wrapped FROM client_keys WHERE client_id = $1"),
        (
            "journal title",
            "SELECT v.title FROM journal_versions v JOIN journal_entries e ON e.id = v.entry_id WHERE e.client_id = $1",
        ),
        (
            "journal text",
            "SELECT v.body FROM journal_versions v JOIN journal_entries e ON e.id = v.entry_id WHERE e.client_id = $1",
        ),
        (
            "message",
            "SELECT m.body_sealed FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.client_id = $1",
        ),
        (
            "file name",
            "SELECT f.name_sealed FROM message_files f JOIN messages m ON m.id = f.message_id
             JOIN conversations c ON c.id = m.conversation_id WHERE c.client_id = $1",
        ),
        (
            "file chunk",
            "SELECT k.sealed FROM message_file_chunks k JOIN message_files f ON f.id = k.file_id
             JOIN messages m ON m.id = f.message_id JOIN conversations c ON c.id = m.conversation_id
             WHERE c.client_id = $1",
        ),
        ("mail", "SELECT sealed FROM outbox WHERE client_id = $1 AND sealed IS NOT NULL"),
    ];
    let mut values = Vec::new();
    for (what, sql) in queries {
        let found: Vec<Vec<u8>> = sqlx::query_scalar(sql).bind(id).fetch_all(&app.state.db).await.unwrap();
        assert!(!found.is_empty(), "the client has a {what}");
        values.extend(found.into_iter().map(|value| (what.to_string(), value)));
    }
    values
}

/// Which of the values a copy of the database still holds: the SQLite file and WAL as they lie
/// on disk (free pages included), or PostgreSQL's dump (where bytes are written in hex). A long
/// value is looked for in 32-byte pieces, as a leftover page would hold part of it.
fn leftovers(app: &TestApp, values: &[(String, Vec<u8>)]) -> Vec<String> {
    if app.state.config.database_url.starts_with("sqlite:") {
        return crate::erasure::found_in_files(app, values);
    }
    let dump = String::from_utf8_lossy(&crate::sealing::database_copy(app)).to_lowercase();
    let mut found: Vec<String> = values
        .iter()
        .filter(|(_, value)| {
            value.chunks(32).filter(|piece| piece.len() >= 16).any(|piece| {
                let hex: String = piece.iter().map(|byte| format!("{byte:02x}")).collect();
                dump.contains(&hex)
            })
        })
        .map(|(what, _)| what.clone())
        .collect();
    found.dedup();
    found
}

#[tokio::test]
async fn clients_past_the_period_go_with_all_they_own_after_one_notice_and_held_and_active_ones_stay() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let service = opening_hours_and_service(&app).await;
    let gone = app.create_client(&app.client, &[("name", GONE), ("email", GONE_EMAIL)]).await;
    let held = app.create_client(&app.client, &[("name", "Hilde Holdt")]).await;
    let active = app.create_client(&app.client, &[("name", "Aktiv Anne")]).await;
    book(&app, &gone, &service).await;
    journal(&app, &gone, "Første samtale").await;
    send_consent(&app, &gone).await;
    send_message(&app, &gone).await;
    journal(&app, &held, "Samtale").await;
    // What the practice did about the client: in its audit log, by id.
    let gone_id: i64 = gone.parse().unwrap();
    let audited = app.count(&format!("SELECT COUNT(*) FROM practice_audit WHERE client_id = {gone_id}")).await;
    assert!(audited >= 4, "{audited}");

    // Off by default: nothing happens, however old.
    assert_eq!(overview(&app, &app.client).await["choice"]["enabled"], false);
    later(&app, 400).await;
    assert_eq!(run_now(&app, RunMode::ByHand).await, RunReport::default());

    switch_on(&app).await;
    let reason = app.call(HoldClient::PATH, &[("client_id", &held), ("reason", HELD_REASON)]).await;
    assert_eq!(reason.status(), 200);
    journal(&app, &active, "Ny time").await;
    let shown = overview(&app, &app.client).await;
    assert_eq!(names(&shown["at_next_run"]), Vec::<String>::new(), "nobody goes before the notice");
    assert_eq!(names(&shown["soon"]), vec![GONE.to_string()]);
    assert_eq!(names(&shown["held"]), vec!["Hilde Holdt".to_string()]);
    assert_eq!(shown["held"][0]["reason"], HELD_REASON);

    // A dry run counts and changes nothing, and mails no one.
    let before = table_counts(&app).await;
    let dry = run_now(&app, RunMode::DryRun).await;
    assert_eq!((dry.deleted, dry.noticed), (0, 1));
    assert_eq!(table_counts(&app).await, before);
    assert!(app.mails_to(OWNER).await.iter().all(|mail| !mail.subject.contains("Cleanup")));

    // The first run tells the practice, once: how many, never who.
    let first = run_now(&app, RunMode::ByHand).await;
    assert_eq!((first.deleted, first.noticed), (0, 1));
    let notices: Vec<_> =
        app.mails_to(OWNER).await.into_iter().filter(|mail| mail.subject.contains("Cleanup")).collect();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].subject.contains("1 client(s) will be deleted in 14 days"), "{}", notices[0].subject);
    for name in ["Qzxgone", "Gammelklient", "Hilde", "Aktiv", GONE_EMAIL] {
        assert!(!notices[0].body.contains(name) && !notices[0].subject.contains(name), "{name} in the notice");
    }
    assert!(notices[0].body.contains(&format!("{}/settings/cleanup#preview", app.state.config.base_url)));
    assert_eq!(run_now(&app, RunMode::ByHand).await.noticed, 0);
    assert_eq!(app.mails_to(OWNER).await.iter().filter(|mail| mail.subject.contains("Cleanup")).count(), 1);

    // 14 days on, the client goes with everything it owned.
    later(&app, 14).await;
    let shown = overview(&app, &app.client).await;
    assert_eq!(names(&shown["at_next_run"]), vec![GONE.to_string()]);
    let sealed = sealed_values_of(&app, gone_id).await;
    assert!(leftovers(&app, &sealed).len() >= 3, "the scan finds the client's values while it exists");
    let before = table_counts(&app).await;
    let dry = run_now(&app, RunMode::DryRun).await;
    assert_eq!(dry.deleted, 1);
    assert_eq!(table_counts(&app).await, before, "a dry run changes nothing");

    let done = run_now(&app, RunMode::ByHand).await;
    assert_eq!(done.deleted, 1);
    let n = done.counts;
    assert_eq!((n.appointments, n.journal_entries, n.consents, n.messages, n.files), (1, 1, 1, 1, 1));
    assert_eq!(app.call(GetClient::PATH, &[("id", &gone)]).await.status(), 404);
    assert_eq!(app.call(GetClient::PATH, &[("id", &held)]).await.status(), 200);
    assert_eq!(app.call(GetClient::PATH, &[("id", &active)]).await.status(), 200);
    for (table, sql) in [
        ("client_keys", "SELECT COUNT(*) FROM client_keys WHERE client_id = $1"),
        ("appointments", "SELECT COUNT(*) FROM appointments WHERE client_id = $1"),
        ("journal_entries", "SELECT COUNT(*) FROM journal_entries WHERE client_id = $1"),
        ("consent_requests", "SELECT COUNT(*) FROM consent_requests WHERE client_id = $1"),
        ("conversations", "SELECT COUNT(*) FROM conversations WHERE client_id = $1"),
        ("outbox", "SELECT COUNT(*) FROM outbox WHERE client_id = $1"),
        ("cleanup_notices", "SELECT COUNT(*) FROM cleanup_notices WHERE client_id = $1"),
        ("practice_audit", "SELECT COUNT(*) FROM practice_audit WHERE client_id = $1"),
    ] {
        let left: i64 = sqlx::query_scalar(sql).bind(gone_id).fetch_one(&app.state.db).await.unwrap();
        assert_eq!(left, 0, "{table}");
    }
    for table in ["messages", "message_files", "message_file_chunks", "journal_versions"] {
        let rows = app.count(&format!("SELECT COUNT(*) FROM {table}")).await;
        let expected = if table == "journal_versions" { 2 } else { 0 };
        assert_eq!(rows, expected, "{table}: only the others' rows");
    }
    let unlinked = app.count("SELECT COUNT(*) FROM practice_audit WHERE client_id IS NULL").await;
    assert!(unlinked >= audited, "the events stay, without the link: {unlinked} < {audited}");
    let still_tied = app
        .count(
            "SELECT COUNT(*) FROM practice_audit
             WHERE client_id IS NULL AND record_id IS NOT NULL AND action <> 'cleanup.changed'",
        )
        .await;
    assert_eq!(still_tied, 0, "nor which of its records: a conversation's id would tie them together");
    assert_eq!(leftovers(&app, &sealed), Vec::<String>::new());

    // The log says how many and of what; nothing of who.
    let shown = overview(&app, &app.client).await;
    let log = shown["log"].as_array().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0]["cause"].as_str(), log[0]["clients"].as_i64()), (Some("Retention"), Some(1)));
    assert_eq!(log[0]["counts"]["journal_entries"], 1);
    let logged = app.count("SELECT COUNT(*) FROM deletion_log").await;
    assert_eq!(logged, 1);
    let row: (String, i64) =
        sqlx::query_as("SELECT cause, clients FROM deletion_log").fetch_one(&app.state.db).await.unwrap();
    assert_eq!(row, ("retention".to_string(), 1));
    assert_eq!(names(&shown["at_next_run"]), Vec::<String>::new());
    assert_eq!(names(&shown["held"]), vec!["Hilde Holdt".to_string()]);

    // Nothing more goes; the held client goes only once let go (and told about first).
    assert_eq!(run_now(&app, RunMode::ByHand).await.deleted, 0);
    assert_eq!(app.call(ReleaseHold::PATH, &[("client_id", &held)]).await.status(), 200);
    let next = run_now(&app, RunMode::ByHand).await;
    assert_eq!((next.deleted, next.noticed), (0, 1));
}

#[tokio::test]
async fn a_client_active_again_after_the_notice_stays_and_is_told_about_again_when_due() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    switch_on(&app).await;
    let client = app.create_client(&app.client, &[("name", "Ola Nordmann")]).await;
    later(&app, 370).await;
    assert_eq!(run_now(&app, RunMode::ByHand).await.noticed, 1);
    // The practitioner writes in the journal: the client is active, the notice no longer holds.
    journal(&app, &client, "Tilbake").await;
    later(&app, 15).await;
    let report = run_now(&app, RunMode::ByHand).await;
    assert_eq!((report.deleted, report.noticed), (0, 0));
    assert_eq!(app.count("SELECT COUNT(*) FROM cleanup_notices").await, 0);
    later(&app, 365).await;
    assert_eq!(run_now(&app, RunMode::ByHand).await.noticed, 1, "due again: told again");
    assert_eq!(app.call(GetClient::PATH, &[("id", &client)]).await.status(), 200);
}

#[tokio::test]
async fn switching_off_and_on_again_forgets_the_notices_and_tells_again_before_deleting() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    switch_on(&app).await;
    let client = app.create_client(&app.client, &[("name", "Ola Nordmann")]).await;
    later(&app, 370).await;
    assert_eq!(run_now(&app, RunMode::ByHand).await.noticed, 1);
    // Alarmed by the mail, the practitioner switches it off; weeks later, on again.
    assert_eq!(save(&app, &app.client, &[("period", "12")]).await.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM cleanup_notices").await, 0);
    later(&app, 30).await;
    switch_on(&app).await;
    let report = run_now(&app, RunMode::ByHand).await;
    assert_eq!((report.deleted, report.noticed), (0, 1), "told again, not deleted on the old notice");
    let notices = app.mails_to(OWNER).await.into_iter().filter(|mail| mail.subject.contains("Cleanup")).count();
    assert_eq!(notices, 2);
    later(&app, 14).await;
    assert_eq!(run_now(&app, RunMode::ByHand).await.deleted, 1);
    assert_eq!(app.call(GetClient::PATH, &[("id", &client)]).await.status(), 404);
}

/// Old clients already told about 15 days ago, seeded through the API; their ids.
async fn due_clients(app: &TestApp, count: usize, entries: usize) -> Vec<String> {
    app.signed_in_user(OWNER).await;
    switch_on(app).await;
    let mut ids = Vec::new();
    for i in 0..count {
        let id = app.create_client(&app.client, &[("name", &format!("Klient {i}"))]).await;
        for entry in 0..entries {
            journal(app, &id, &format!("Notat {entry}")).await;
        }
        ids.push(id);
    }
    later(app, 400).await;
    assert_eq!(run_now(app, RunMode::ByHand).await.noticed, count as u64);
    later(app, 15).await;
    ids
}

#[tokio::test]
async fn two_servers_running_at_once_delete_each_client_once() {
    let first = spawn_app().await;
    let ids = due_clients(&first, 30, 1).await;
    let second = spawn_another_instance(&first).await;

    let (a, b) = tokio::join!(run(&first.state, RunMode::ByHand), run(&second.state, RunMode::ByHand));
    let (a, b) = (a.unwrap(), b.unwrap());
    let deleted = a.map_or(0, |r| r.deleted) + b.map_or(0, |r| r.deleted);
    assert_eq!(deleted, ids.len() as u64, "{a:?} {b:?}");
    assert_eq!(first.count("SELECT COUNT(*) FROM clients").await, 0);
    assert_eq!(
        first.count("SELECT CAST(COALESCE(SUM(clients), 0) AS BIGINT) FROM deletion_log").await,
        ids.len() as i64
    );

    // While one server holds the lease, the other does not run; once it has run out, it does.
    let held =
        app::server::lease::take(&first.state.db, &first.clock, "cleanup", LEASE_SECS, app::server::lease::Due::Now)
            .await
            .unwrap()
            .expect("the lease is free");
    assert_eq!(run(&second.state, RunMode::ByHand).await.unwrap(), None);
    assert_eq!(run(&first.state, RunMode::ByHand).await.unwrap(), None, "not even the same server twice");
    first.clock.advance(LEASE_SECS + 1);
    assert!(run(&second.state, RunMode::ByHand).await.unwrap().is_some(), "a dead holder's lease runs out");
    assert!(!held.renew().await.unwrap(), "the old holder learns it lost the lease");
}

#[tokio::test]
async fn a_run_killed_mid_way_leaves_no_half_deleted_client_and_the_next_run_finishes() {
    const CLIENTS: usize = 300;
    const ENTRIES: i64 = 4;
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    switch_on(&app).await;
    let mut ids = Vec::new();
    for i in 0..CLIENTS {
        ids.push(app.create_client(&app.client, &[("name", &format!("Klient {i}"))]).await);
    }
    let template = ids[0].clone();
    for _ in 0..ENTRIES {
        journal(&app, &template, "Notat").await;
    }
    // The others get copies of the first one's entries (what is deleted is the point here, not
    // what it says), and everything is made old in real time: the command runs on the real clock.
    let db = &app.state.db;
    for id in &ids[1..] {
        let id: i64 = id.parse().unwrap();
        let entries: Vec<i64> = sqlx::query_scalar("SELECT id FROM journal_entries WHERE client_id = $1")
            .bind(template.parse::<i64>().unwrap())
            .fetch_all(db)
            .await
            .unwrap();
        for entry in entries {
            let copy: i64 = sqlx::query_scalar(
                "INSERT INTO journal_entries (practice_id, client_id, current_version, created_at)
                 SELECT practice_id, $1, current_version, created_at FROM journal_entries WHERE id = $2 RETURNING id",
            )
            .bind(id)
            .bind(entry)
            .fetch_one(db)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO journal_versions (entry_id, version, entry_date, title, body, author_id, author_name, written_at)
                 SELECT $1, version, entry_date, title, body, author_id, author_name, written_at FROM journal_versions
                 WHERE entry_id = $2",
            )
            .bind(copy)
            .bind(entry)
            .execute(db)
            .await
            .unwrap();
        }
    }
    let long_ago = 800 * DAY;
    sqlx::query("UPDATE clients SET created_at = created_at - $1").bind(long_ago).execute(db).await.unwrap();
    sqlx::query("UPDATE journal_versions SET written_at = written_at - $1").bind(long_ago).execute(db).await.unwrap();
    sqlx::query(
        "INSERT INTO cleanup_notices (client_id, practice_id, noticed_at) SELECT id, practice_id, $1 FROM clients",
    )
    .bind(app.clock.now() - 15 * DAY)
    .execute(db)
    .await
    .unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM journal_entries").await, CLIENTS as i64 * ENTRIES);

    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .args(["cleanup", "run"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env_clear()
        .env("LEPTOS_OUTPUT_NAME", "trygg")
        .env("RUST_LOG", "warn")
        .env("TRYGG_DATA_DIR", &app.state.config.data_dir)
        .env("TRYGG_DATABASE_URL", &app.state.config.database_url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().unwrap();
    for _ in 0..20_000 {
        if app.count("SELECT COUNT(*) FROM clients").await < CLIENTS as i64 - 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let left = app.count("SELECT COUNT(*) FROM clients").await;
    assert!(left > 0 && left < CLIENTS as i64, "killed mid-way: {left} of {CLIENTS} left");

    // Every client is there whole or gone whole, and the log counts exactly those gone.
    assert_eq!(app.count("SELECT COUNT(*) FROM journal_entries").await, left * ENTRIES);
    assert_eq!(app.count("SELECT COUNT(DISTINCT client_id) FROM client_keys").await, left);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM journal_versions v LEFT JOIN journal_entries e ON e.id = v.entry_id WHERE e.id IS NULL")
            .await,
        0
    );
    let logged = app.count("SELECT CAST(COALESCE(SUM(clients), 0) AS BIGINT) FROM deletion_log").await;
    assert_eq!(logged, CLIENTS as i64 - left);
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(journal_entries), 0) AS BIGINT) FROM deletion_log").await,
        logged * ENTRIES
    );
    let remaining: Vec<i64> = sqlx::query_scalar("SELECT id FROM clients").fetch_all(db).await.unwrap();
    for id in remaining.iter().take(3) {
        assert_eq!(app.call(GetClient::PATH, &[("id", &id.to_string())]).await.status(), 200);
    }

    // The killed run's lease holds the job until it runs out; then the next run finishes.
    assert_eq!(run(&app.state, RunMode::ByHand).await.unwrap(), None);
    app.clock.advance(LEASE_SECS + 1);
    let rest = run_now(&app, RunMode::ByHand).await;
    assert_eq!(rest.deleted, left as u64);
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM journal_entries").await, 0);
    assert_eq!(app.count("SELECT CAST(COALESCE(SUM(clients), 0) AS BIGINT) FROM deletion_log").await, CLIENTS as i64);
}

#[tokio::test]
async fn the_command_runs_dry_or_for_real_and_says_what_it_did() {
    let app = spawn_app().await;
    let ids = due_clients(&app, 2, 1).await;
    // The command runs on the real clock: the clients' dates are moved back instead.
    let db = &app.state.db;
    let real_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let back = app.clock.now() - real_now;
    for sql in [
        "UPDATE clients SET created_at = created_at - $1",
        "UPDATE journal_versions SET written_at = written_at - $1",
        "UPDATE cleanup_notices SET noticed_at = noticed_at - $1",
    ] {
        sqlx::query(sql).bind(back).execute(db).await.unwrap();
    }
    let command = |dry: bool| {
        let mut args = vec!["cleanup", "run"];
        if dry {
            args.push("--dry-run");
        }
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env_clear()
            .env("LEPTOS_OUTPUT_NAME", "trygg")
            .env("RUST_LOG", "warn")
            .env("TRYGG_DATA_DIR", &app.state.config.data_dir)
            .env("TRYGG_DATABASE_URL", &app.state.config.database_url)
            .output()
            .unwrap()
    };
    let dry = command(true);
    let said = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{said}{}", String::from_utf8_lossy(&dry.stderr));
    assert!(said.contains("Would delete 2 client(s) in 1 practice(s)"), "{said}");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, ids.len() as i64);
    let real = command(false);
    let said = String::from_utf8_lossy(&real.stdout);
    assert!(real.status.success(), "{said}");
    assert!(said.contains("Deleted 2 client(s) in 1 practice(s)"), "{said}");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
}

#[tokio::test]
async fn the_setting_refuses_bad_input_and_another_practice_reaches_nothing() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let client = app.create_client(&app.client, &[("name", "Ola Nordmann")]).await;
    for (form, field) in [
        (vec![("enabled", "on"), ("period", "24")], "confirmed"),
        (vec![("enabled", "on"), ("period", "months"), ("months", "6")], "confirmed"),
        (vec![("enabled", "on"), ("period", "7"), ("confirmed", "on")], "period"),
        (vec![("enabled", "on"), ("period", "months"), ("months", "0"), ("confirmed", "on")], "months"),
        (vec![("enabled", "on"), ("period", "months"), ("months", "tolv"), ("confirmed", "on")], "months"),
        (vec![("enabled", "on"), ("period", "months"), ("months", ""), ("confirmed", "on")], "months"),
    ] {
        let refused = save(&app, &app.client, &form).await;
        assert_eq!(refused.status(), 422, "{form:?}");
        assert_eq!(fields(&error_of(refused).await), vec![field.to_string()], "{form:?}");
    }
    assert_eq!(overview(&app, &app.client).await["choice"], serde_json::json!({ "enabled": false, "months": 120 }));
    let refused = app.call(HoldClient::PATH, &[("client_id", &client), ("reason", "  ")]).await;
    assert_eq!(fields(&error_of(refused).await), vec!["reason".to_string()]);
    let long = "x".repeat(301);
    let refused = app.call(HoldClient::PATH, &[("client_id", &client), ("reason", &long)]).await;
    assert_eq!(fields(&error_of(refused).await), vec!["reason".to_string()]);
    assert_eq!(app.count("SELECT COUNT(*) FROM cleanup_holds").await, 0);

    // Another practice: the client's id gets it nowhere, and its own page lists nobody of ours.
    let other = app.other_practitioner("nina@example.no").await;
    let hold = app.call_with(&other, HoldClient::PATH, &[("client_id", &client), ("reason", "Mine nå")]).await;
    assert_eq!(hold.status(), 404);
    assert_eq!(app.call(HoldClient::PATH, &[("client_id", &client), ("reason", "Pågående sak")]).await.status(), 200);
    assert_eq!(app.call_with(&other, ReleaseHold::PATH, &[("client_id", &client)]).await.status(), 404);
    let theirs = overview(&app, &other).await;
    assert_eq!(names(&theirs["held"]), Vec::<String>::new());
    assert_eq!(app.count("SELECT COUNT(*) FROM cleanup_holds").await, 1);
    let switched = save(&app, &other, &[("enabled", "on"), ("period", "120")]).await;
    assert_eq!(switched.status(), 200);
    assert_eq!(overview(&app, &app.client).await["choice"]["enabled"], false, "each practice its own setting");

    // Nobody signed in: nothing.
    let stranger = crate::helpers::browser(&app.base);
    assert_eq!(app.call_with(&stranger, GetCleanup::PATH, &[]).await.status(), 401);
    assert_eq!(
        app.call_with(&stranger, HoldClient::PATH, &[("client_id", &client), ("reason", "x")]).await.status(),
        401
    );
}

#[tokio::test]
async fn a_deletion_by_hand_takes_the_same_path_and_is_logged_without_a_name() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let client = app.create_client(&app.client, &[("name", GONE), ("email", GONE_EMAIL)]).await;
    journal(&app, &client, "Samtale").await;
    send_message(&app, &client).await;
    assert_eq!(app.call(HoldClient::PATH, &[("client_id", &client), ("reason", "Sak")]).await.status(), 200);
    let id: i64 = client.parse().unwrap();
    assert!(app.count(&format!("SELECT COUNT(*) FROM practice_audit WHERE client_id = {id}")).await > 0);

    assert_eq!(app.call(DeleteClient::PATH, &[("id", &client)]).await.status(), 200);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM practice_audit WHERE client_id = {id}")).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM cleanup_holds").await, 0);
    let deleted =
        app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'client.deleted' AND client_id IS NULL").await;
    assert_eq!(deleted, 1);
    let log = overview(&app, &app.client).await["log"].clone();
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!((log[0]["cause"].as_str(), log[0]["clients"].as_i64()), (Some("ByHand"), Some(1)));
    assert_eq!((log[0]["counts"]["journal_entries"].as_i64(), log[0]["counts"]["files"].as_i64()), (Some(1), Some(1)));
    assert!(!log.to_string().contains("Qzxgone"));
}

#[tokio::test]
async fn the_server_runs_the_job_once_a_night_by_itself() {
    let app = spawn_app().await;
    // The server looked at the job as it started: it counts as run then, so none runs at once.
    let mut seen = 0;
    for _ in 0..100 {
        seen = app.count("SELECT COUNT(*) FROM job_leases WHERE name = 'cleanup' AND last_run_at IS NOT NULL").await;
        if seen == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, 1, "the server's own schedule looked at the job");
    let started: i64 = app.count("SELECT last_run_at FROM job_leases WHERE name = 'cleanup'").await;
    // Until the next 02:00 UTC has passed, a scheduled run does nothing.
    let next_night =
        (started.div_euclid(DAY) * DAY + 2 * 3600..).step_by(DAY as usize).find(|at| *at > started).unwrap();
    app.clock.advance(next_night - 60 - app.clock.now());
    assert_eq!(run(&app.state, RunMode::Scheduled).await.unwrap(), None);
    app.clock.advance(120);
    assert!(run(&app.state, RunMode::Scheduled).await.unwrap().is_some(), "the night's run");
    assert_eq!(run(&app.state, RunMode::Scheduled).await.unwrap(), None, "once a night");
    app.clock.advance(DAY);
    assert!(run(&app.state, RunMode::Scheduled).await.unwrap().is_some(), "and the next night again");
}
