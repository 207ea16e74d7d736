//! Master key rotation while servers run: two instances on one database keep writing while the
//! rotate command (a process of its own) adds a version; nothing becomes unreadable, and the old
//! version leaves the key file only once no stored value names it.

use app::auth::api::{LogIn, LogInCode};
use app::journal::api::{CreateJournalEntry, GetJournal};
use leptos::server_fn::ServerFn as _;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, spawn_another_instance, spawn_app, totp_code};

const OWNER: &str = "kari@example.no";

/// Runs `server keys …` against the app's database and key file, as an operator would, in a
/// process of its own. Whether it succeeded, and what it printed.
async fn run_keys_command(app: &TestApp, action: &'static str) -> (bool, String) {
    let (data_dir, database_url) = (app.state.config.data_dir.clone(), app.state.config.database_url.clone());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["keys", action])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEPTOS_OUTPUT_NAME", "trygg")
            .env("RUST_LOG", "warn")
            .env("TRYGG_DATA_DIR", data_dir)
            .env("TRYGG_DATABASE_URL", database_url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

fn key_file_versions(app: &TestApp) -> Vec<String> {
    let text = std::fs::read_to_string(app.state.config.data_dir.join("master.key")).unwrap();
    text.lines().map(|line| line.split(':').next().unwrap().to_string()).collect()
}

/// A new client with one journal entry, through this instance; the client's id.
async fn client_with_entry(app: &TestApp, name: &str, text: &str) -> String {
    let id = app.create_client(&app.client, &[("name", name)]).await;
    let form = [("client_id", id.as_str()), ("date", "2025-01-10"), ("title", "Samtale"), ("text", text)];
    assert_eq!(app.call(CreateJournalEntry::PATH, &form).await.status(), 200, "{name}");
    id
}

async fn journal_text(app: &TestApp, id: &str) -> String {
    let response = app.call(GetJournal::PATH, &[("client_id", id)]).await;
    assert_eq!(response.status(), 200, "client {id} reads on {}", app.base);
    let journal: Value = response.json().await.unwrap();
    journal["entries"][0]["text"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn rotating_while_two_servers_write_loses_nothing_and_the_old_version_retires_afterwards() {
    let first = spawn_app().await;
    first.signed_in_user(OWNER).await;
    let second = spawn_another_instance(&first).await;
    assert_eq!(key_file_versions(&first), ["1"]);

    // Clients and journal entries keep coming through both instances while the key rotates.
    let done = AtomicBool::new(false);
    let writer = async {
        let mut written = Vec::new();
        for i in 0.. {
            if done.load(Ordering::Relaxed) && i >= 8 {
                break;
            }
            let instance = if i % 2 == 0 { &first } else { &second };
            let text = format!("Skrevet som nummer {i} under rotasjonen.");
            written.push((client_with_entry(instance, &format!("Klient {i}"), &text).await, text));
        }
        written
    };
    let rotator = async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let rotated = run_keys_command(&first, "rotate").await;
        // Some more writes after the rotation: both instances must now seal with version 2.
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        done.store(true, Ordering::Relaxed);
        rotated
    };
    let (written, (rotated, output)) = tokio::join!(writer, rotator);
    assert!(rotated, "{output}");
    assert!(output.contains("Master key is now version 2"), "{output}");
    assert_eq!(key_file_versions(&first), ["1", "2"], "the old version stays until it is retired");

    let newest: Vec<u8> = sqlx::query_scalar("SELECT wrapped FROM client_keys ORDER BY client_id DESC LIMIT 1")
        .fetch_one(&first.state.db)
        .await
        .unwrap();
    assert_eq!(newest[1..5], 2u32.to_be_bytes(), "a write after the rotation uses version 2 on its own");

    // Retire: at most a straggler sealed in the moment of the rotation needs a rewrap first.
    let (retired, output) = run_keys_command(&first, "retire").await;
    if !retired {
        assert!(output.contains("still name version 1") && output.contains("server keys rewrap"), "{output}");
        let (rewrapped, output) = run_keys_command(&first, "rewrap").await;
        assert!(rewrapped, "{output}");
        let (retired, output) = run_keys_command(&first, "retire").await;
        assert!(retired, "{output}");
    }
    assert_eq!(key_file_versions(&first), ["2"]);

    // Every acknowledged write reads back on both running instances and on one started now,
    // which knows only version 2.
    let third = spawn_another_instance(&first).await;
    assert_eq!(third.state.master_key.versions(), vec![2]);
    for (id, text) in &written {
        for instance in [&first, &second, &third] {
            assert_eq!(&journal_text(instance, id).await, text);
        }
    }
    assert!(written.len() >= 8, "writes went on during the rotation: {}", written.len());
}

#[tokio::test]
async fn retire_refuses_while_a_stored_value_names_an_old_version() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let two_factor = app.enable_two_factor().await;
    let old_key_line = std::fs::read_to_string(app.state.config.data_dir.join("master.key")).unwrap();
    let (rotated, output) = run_keys_command(&app, "rotate").await;
    assert!(rotated, "{output}");

    // A server that had not noticed the new version yet seals the two-factor key with version 1.
    let stale_server = app::server::crypto::MasterKey::from_base64(old_key_line.trim()).unwrap();
    let secret = app::two_factor::totp::TotpSecret::from_base32(&two_factor.key).unwrap();
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users").fetch_one(&app.state.db).await.unwrap();
    let row = format!("user:{user_id}");
    let binding = app::server::crypto::Binding { purpose: "users.totp_secret", row: &row };
    sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
        .bind(stale_server.seal(secret.as_bytes(), binding))
        .bind(user_id)
        .execute(&app.state.db)
        .await
        .unwrap();

    let (retired, output) = run_keys_command(&app, "retire").await;
    assert!(!retired);
    assert!(output.contains("1 value(s) in users.totp_secret still name version 1"), "{output}");
    assert_eq!(key_file_versions(&app), ["1", "2"], "nothing is dropped");

    let (rewrapped, output) = run_keys_command(&app, "rewrap").await;
    assert!(rewrapped, "{output}");
    let (retired, output) = run_keys_command(&app, "retire").await;
    assert!(retired, "{output}");
    assert!(output.contains("Retired master key version(s) [1]"), "{output}");
    assert_eq!(key_file_versions(&app), ["2"]);

    // The two-factor key still checks codes, on a server that knows only version 2.
    let fresh = spawn_another_instance(&app).await;
    let browser = fresh.new_browser();
    let step = fresh.call_with(&browser, LogIn::PATH, &[("email", OWNER), ("password", PASSWORD)]).await;
    assert_eq!(step.headers()["location"], "/login/code");
    let code = totp_code(&app, &two_factor.key, 0);
    assert_eq!(fresh.call_with(&browser, LogInCode::PATH, &[("code", &code)]).await.status(), 200);
}
