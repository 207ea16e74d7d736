//! Journals: history on edit, the audit log, no way in from another practice, and the envelope
//! encryption underneath (raw rows, bindings, key rotation, and deletion destroying the key).

use app::auth::api::LogInCode;
use app::clients::api::DeleteClient;
use app::journal::api::{CreateJournalEntry, EditJournalEntry, GetJournal, GetJournalHistory, JournalLog};
use app::server::envelope::{self, Field};
use leptos::server_fn::ServerFn as _;
use serde_json::Value;
use sqlx::Row;

use crate::helpers::{TestApp, error_of, spawn_app, totp_code, validation};

const OWNER: &str = "kari@example.no";
const FIRST_TEXT: &str = "Søvn bedre etter tre uker. Snakket om angst på jobb.";

async fn new_client(app: &TestApp, client: &reqwest::Client, name: &str) -> String {
    app.create_client(client, &[("name", name)]).await
}

async fn write(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    date: &str,
    title: &str,
    text: &str,
) -> reqwest::Response {
    app.call_with(
        client,
        CreateJournalEntry::PATH,
        &[("client_id", id), ("date", date), ("title", title), ("text", text)],
    )
    .await
}

async fn entries(app: &TestApp, client: &reqwest::Client, id: &str) -> Vec<Value> {
    let response = app.call_with(client, GetJournal::PATH, &[("client_id", id)]).await;
    assert_eq!(response.status(), 200);
    let journal: Value = response.json().await.unwrap();
    journal["entries"].as_array().unwrap().clone()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every sealed journal value in the database, as stored.
async fn raw_versions(app: &TestApp) -> Vec<(i64, i64, Vec<u8>, Vec<u8>)> {
    sqlx::query("SELECT entry_id, version, title, body FROM journal_versions ORDER BY entry_id, version")
        .fetch_all(&app.state.db)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

async fn practice_id(app: &TestApp) -> app::ids::PracticeId {
    sqlx::query_scalar("SELECT MIN(id) FROM practices").fetch_one(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn entries_are_listed_newest_first_and_an_edit_keeps_the_history() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann").await;

    let bad = write(&app, &app.client, &id, "2199-01-01", " ", "").await;
    assert_eq!(bad.status(), 422);
    assert_eq!(
        validation(&error_of(bad).await),
        [
            ("date".into(), "DateInFuture".into()),
            ("title".into(), "Required".into()),
            ("text".into(), "Required".into())
        ]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM journal_entries").await, 0, "nothing stored");

    assert_eq!(write(&app, &app.client, &id, "2025-01-10", "Første samtale", FIRST_TEXT).await.status(), 200);
    assert_eq!(write(&app, &app.client, &id, "2025-03-05", "Oppfølging", "Bedre.\nMindre uro.").await.status(), 200);
    let list = entries(&app, &app.client, &id).await;
    let titles: Vec<&str> = list.iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Oppfølging", "Første samtale"], "newest date first");
    assert_eq!(list[0]["text"], "Bedre.\nMindre uro.");
    assert_eq!(list[1]["author"], "Kari Nordmann");
    let first = list[1]["id"].to_string();

    let edit = |version: &'static str, text: &'static str| {
        let first = first.clone();
        let id = id.clone();
        let app = &app;
        async move {
            let form = [
                ("client_id", id.as_str()),
                ("entry_id", first.as_str()),
                ("version", version),
                ("date", "2025-01-10"),
                ("title", "Første samtale"),
                ("text", text),
            ];
            app.call(EditJournalEntry::PATH, &form).await
        }
    };
    let edited = edit("1", "Søvn bedre etter tre uker.").await;
    assert_eq!(edited.status(), 200);
    assert_eq!(edited.headers()["location"], format!("/clients/{id}#journal"));
    // A second edit from the same old version would overwrite the first one: refused.
    let stale = edit("1", "An edit made from the old wording").await;
    assert_eq!(stale.status(), 409);
    assert_eq!(error_of(stale).await["Conflict"], "EditedMeanwhile");
    let bad_edit = edit("2", "").await;
    assert_eq!(error_of(bad_edit).await["Validation"][0]["field"], "text");

    let history: Value =
        app.call(GetJournalHistory::PATH, &[("client_id", &id), ("entry_id", &first)]).await.json().await.unwrap();
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (versions[0]["version"].as_i64(), versions[0]["text"].as_str()),
        (Some(2), Some("Søvn bedre etter tre uker."))
    );
    assert_eq!((versions[1]["version"].as_i64(), versions[1]["text"].as_str()), (Some(1), Some(FIRST_TEXT)));
    assert_eq!(entries(&app, &app.client, &id).await[1]["version"], 2);

    // The pages show the journal and the history; the tab title names no client.
    let profile = app.get(&format!("/clients/{id}")).await.text().await.unwrap();
    assert!(profile.contains("Oppfølging") && profile.contains("Søvn bedre etter tre uker."));
    let page = app.get(&format!("/clients/{id}/journal/{first}")).await.text().await.unwrap();
    assert!(page.contains(FIRST_TEXT) && page.contains("Version 1") && page.contains("Version 2"));
    assert!(page.contains("<title>Journal entry · Trygg</title>"));

    // The raw rows hold no plaintext; each value names data key version 1.
    let rows = raw_versions(&app).await;
    assert_eq!(rows.len(), 3, "two entries, one with two versions");
    for (_, _, title, body) in &rows {
        assert!(envelope::is_client_sealed(title) && envelope::is_client_sealed(body));
        assert_eq!(body[1..5], 1u32.to_be_bytes());
        for plain in ["Første", "Oppfølging", "Søvn", "angst", "uro"] {
            assert!(!contains(title, plain) && !contains(body, plain), "{plain} in a raw row");
        }
    }
}

#[tokio::test]
async fn reading_and_writing_are_in_the_audit_log_without_content() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann").await;
    assert_eq!(write(&app, &app.client, &id, "2025-01-10", "Første samtale", FIRST_TEXT).await.status(), 200);
    let entry = entries(&app, &app.client, &id).await[0]["id"].to_string();
    let form = [
        ("client_id", id.as_str()),
        ("entry_id", &entry),
        ("version", "1"),
        ("date", "2025-01-11"),
        ("title", "T"),
        ("text", "x"),
    ];
    assert_eq!(app.call(EditJournalEntry::PATH, &form).await.status(), 200);
    app.call(GetJournalHistory::PATH, &[("client_id", &id), ("entry_id", &entry)]).await;

    let log: Vec<Value> = app.call(JournalLog::PATH, &[("client_id", &id)]).await.json().await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["JournalRead", "JournalEdited", "JournalRead", "JournalCreated", "ClientCreated"],
        "newest first"
    );
    assert!(log.iter().all(|e| e["actor"] == "Kari Nordmann"));

    let rows = sqlx::query("SELECT actor_name, action, client_id, record_id FROM practice_audit")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
    for row in &rows {
        assert_eq!(row.get::<i64, _>(2).to_string(), id, "which client");
        let actor: String = row.get(0);
        let action: String = row.get(1);
        assert!(!actor.contains("Første") && !action.contains("Første") && !action.contains("angst"));
    }
}

#[tokio::test]
async fn another_practice_gets_nothing_from_the_journal() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann").await;
    assert_eq!(write(&app, &app.client, &id, "2025-01-10", "Første samtale", FIRST_TEXT).await.status(), 200);
    let entry = entries(&app, &app.client, &id).await[0]["id"].to_string();
    let other = app.other_practitioner("per@example.no").await;
    let own = new_client(&app, &other, "Per sin klient").await;

    assert_eq!(app.call_with(&other, GetJournal::PATH, &[("client_id", &id)]).await.status(), 404);
    assert_eq!(app.call_with(&other, JournalLog::PATH, &[("client_id", &id)]).await.status(), 404);
    for client_id in [&id, &own] {
        let history =
            app.call_with(&other, GetJournalHistory::PATH, &[("client_id", client_id), ("entry_id", &entry)]).await;
        assert_eq!(history.status(), 404, "not through the other practice's own client either");
        let form = [
            ("client_id", client_id.as_str()),
            ("entry_id", &entry),
            ("version", "1"),
            ("date", "2025-01-10"),
            ("title", "Taken over"),
            ("text", "x"),
        ];
        assert_eq!(app.call_with(&other, EditJournalEntry::PATH, &form).await.status(), 404);
    }
    assert_eq!(write(&app, &other, &id, "2025-01-10", "Planted", "x").await.status(), 404);
    let page =
        other.get(app.url(&format!("/clients/{id}/journal/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Første samtale") && !page.contains(FIRST_TEXT));

    let stranger = crate::helpers::browser(&app.base);
    assert_eq!(app.call_with(&stranger, GetJournal::PATH, &[("client_id", &id)]).await.status(), 401);
    assert_eq!(
        app.call_with(
            &stranger,
            CreateJournalEntry::PATH,
            &[("client_id", &id), ("date", "2025-01-10"), ("title", "t"), ("text", "x")]
        )
        .await
        .status(),
        401
    );

    assert_eq!(app.count("SELECT COUNT(*) FROM journal_versions").await, 1, "nothing added or changed");
    let list = entries(&app, &app.client, &id).await;
    assert_eq!((list.len(), list[0]["text"].as_str()), (1, Some(FIRST_TEXT)));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM practice_audit
             WHERE action NOT IN ('journal.read', 'journal.created', 'client.created')"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_client_or_field_does_not_open() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let (a, b) = (new_client(&app, &app.client, "Ola").await, new_client(&app, &app.client, "Siri").await);
    assert_eq!(write(&app, &app.client, &a, "2025-01-10", "Ola sin tittel", "Ola sin tekst").await.status(), 200);
    assert_eq!(write(&app, &app.client, &b, "2025-01-10", "Siri sin tittel", "Siri sin tekst").await.status(), 200);
    let rows = raw_versions(&app).await;
    let (entry_a, _, title_a, body_a) = rows[0].clone();
    let (entry_b, _, _, _) = rows[1].clone();

    let practice = practice_id(&app).await;
    let keys = |client: String| {
        let app = &app;
        async move {
            envelope::existing(&app.state.db, &app.state.master_key, practice, client.parse().unwrap())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let (keys_a, keys_b) = (keys(a.clone()).await, keys(b.clone()).await);
    let record_a = format!("journal:{entry_a}/version:1");
    let record_b = format!("journal:{entry_b}/version:1");
    let text = |record| Field { record, field: "journal.text" };
    assert_eq!(keys_a.open(&body_a, text(&record_a)).unwrap(), b"Ola sin tekst");
    assert!(keys_b.open(&body_a, text(&record_b)).is_err(), "another client's key and record");
    assert!(keys_b.open(&body_a, text(&record_a)).is_err(), "another client's key");
    assert!(keys_a.open(&body_a, text(&record_b)).is_err(), "another record");
    assert!(keys_a.open(&title_a, text(&record_a)).is_err(), "another field");

    // Copied into Siri's row, Ola's text does not open: the journal answers a bare error.
    sqlx::query("UPDATE journal_versions SET body = $1 WHERE entry_id = $2")
        .bind(&body_a)
        .bind(entry_b)
        .execute(&app.state.db)
        .await
        .unwrap();
    let response = app.call(GetJournal::PATH, &[("client_id", &b)]).await;
    assert_eq!(response.status(), 500);
    assert!(!response.text().await.unwrap().contains("Ola"));
    // The title copied into the text column of its own row does not open either.
    sqlx::query("UPDATE journal_versions SET body = title WHERE entry_id = $1")
        .bind(entry_a)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(app.call(GetJournal::PATH, &[("client_id", &a)]).await.status(), 500);
}

#[tokio::test]
async fn deleting_a_client_destroys_its_key_so_leftover_copies_cannot_be_read() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann").await;
    assert_eq!(write(&app, &app.client, &id, "2025-01-10", "Første samtale", FIRST_TEXT).await.status(), 200);
    // A copy of the records, as a backup or an export would hold them.
    let (entry, _, _, body) = raw_versions(&app).await.remove(0);
    let practice = practice_id(&app).await;
    let client_id: app::ids::ClientId = id.parse().unwrap();
    let record = format!("journal:{entry}/version:1");
    let field = Field { record: &record, field: "journal.text" };
    let keys = envelope::existing(&app.state.db, &app.state.master_key, practice, client_id).await.unwrap().unwrap();
    assert_eq!(keys.open(&body, field).unwrap(), FIRST_TEXT.as_bytes());

    assert_eq!(app.call(DeleteClient::PATH, &[("id", &id)]).await.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM client_keys").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM journal_entries").await, 0);
    assert!(envelope::existing(&app.state.db, &app.state.master_key, practice, client_id).await.unwrap().is_none());
    assert!(
        envelope::for_client(&app.state.db, &app.state.master_key, practice, client_id).await.is_err(),
        "no new key for a deleted client"
    );
    // A new client's key (even one that got the same id) does not open the copy.
    let again = new_client(&app, &app.client, "Ny klient").await;
    let new_keys =
        envelope::for_client(&app.state.db, &app.state.master_key, practice, again.parse().unwrap()).await.unwrap();
    assert!(new_keys.open(&body, field).is_err());
    let log: Vec<Value> = app.call(JournalLog::PATH, &[("client_id", &again)]).await.json().await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["ClientCreated"], "nothing of the deleted client");
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'client.deleted'").await, 1);
}

#[tokio::test]
async fn rotating_the_master_key_rewraps_data_keys_and_leaves_records_alone() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let id = new_client(&app, &app.client, "Ola Nordmann").await;
    assert_eq!(write(&app, &app.client, &id, "2025-01-10", "Første samtale", FIRST_TEXT).await.status(), 200);
    let records_before = raw_versions(&app).await;
    let wrapped_before: Vec<u8> =
        sqlx::query_scalar("SELECT wrapped FROM client_keys").fetch_one(&app.state.db).await.unwrap();
    assert_eq!(wrapped_before[1..5], 1u32.to_be_bytes(), "wrapped by master key version 1");

    let config = &app.state.config;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["keys", "rotate"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEPTOS_OUTPUT_NAME", "trygg")
        .env("RUST_LOG", "warn")
        .env("TRYGG_DATA_DIR", &config.data_dir)
        .env("TRYGG_DATABASE_URL", &config.database_url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("version 2: 1 client data keys re-wrapped, 1 account secrets"), "{stdout}");

    let wrapped_after: Vec<u8> =
        sqlx::query_scalar("SELECT wrapped FROM client_keys").fetch_one(&app.state.db).await.unwrap();
    assert_eq!(wrapped_after[1..5], 2u32.to_be_bytes(), "wrapped by master key version 2");
    assert_eq!(raw_versions(&app).await, records_before, "the records are untouched");
    let key_file = std::fs::read_to_string(config.data_dir.join("master.key")).unwrap();
    assert!(key_file.starts_with("1:") && key_file.lines().count() == 2, "version 1 stays until retired");

    // The running server learns version 2 from the file: the journal still reads, and the
    // two-factor key (sealed with the master key itself) still checks codes.
    let list = entries(&app, &app.client, &id).await;
    assert_eq!(list[0]["text"], FIRST_TEXT);
    let browser = app.password_step(OWNER).await;
    let code = totp_code(&app, &two_factor.key, 0);
    let signed_in = app.call_with(&browser, LogInCode::PATH, &[("code", &code)]).await;
    assert_eq!(signed_in.status(), 200, "{}", signed_in.text().await.unwrap());
}

#[tokio::test]
async fn the_journal_shows_a_page_of_the_newest_entries_and_older_ones_on_request() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, &app.client, "Ola Nordmann").await;
    for day in 1..=25 {
        let date = format!("2025-01-{day:02}");
        assert_eq!(write(&app, &app.client, &id, &date, &format!("Time {day}"), "Notat.").await.status(), 200);
    }
    let list = |entries: Option<&'static str>| {
        let (app, id) = (&app, id.clone());
        async move {
            let mut form = vec![("client_id", id.as_str())];
            form.extend(entries.map(|n| ("entries", n)));
            let journal: Value = app.call(GetJournal::PATH, &form).await.json().await.unwrap();
            let titles: Vec<String> =
                journal["entries"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().into()).collect();
            (titles, journal["older"].as_bool().unwrap())
        }
    };
    let (titles, older) = list(None).await;
    assert_eq!((titles.len(), older), (20, true));
    assert_eq!((titles[0].as_str(), titles[19].as_str()), ("Time 25", "Time 6"), "the newest, newest first");
    let (titles, older) = list(Some("21")).await;
    assert_eq!((titles.len(), older), (25, false), "rounded up to whole pages");
    assert_eq!(titles[24], "Time 1");
    assert_eq!(entries(&app, &app.client, &id).await.len(), 20);

    // The page itself (server-rendered, so also without JavaScript) links to the older entries.
    let page = app.get(&format!("/clients/{id}")).await.text().await.unwrap();
    assert_eq!(page.matches("class=\"journal-entry\"").count(), 20, "{page}");
    assert!(page.contains("href=\"?entries=40#journal\""));
    let page = app.get(&format!("/clients/{id}?entries=40")).await.text().await.unwrap();
    assert_eq!(page.matches("class=\"journal-entry\"").count(), 25);
    assert!(!page.contains("?entries="), "no link once all are shown");
}
