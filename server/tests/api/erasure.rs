//! A deleted client is gone from the SQLite files themselves: neither the database file (its
//! free pages included) nor the WAL holds the sealed profile, the wrapped data key or the sealed
//! journal.

use app::clients::api::{DeleteClient, GetClient};
use app::journal::api::{CreateJournalEntry, EditJournalEntry};
use leptos::server_fn::ServerFn as _;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use sqlx::Connection;

use crate::helpers::{TestApp, spawn_app};

const OWNER: &str = "kari@example.no";
const GONE: &str = "Zerlinda Quillfeather";
const KEPT: &str = "Bartholomew Kettleworth";
const PIECE: usize = 32;

/// Skips (with a note) unless the app runs on SQLite: PostgreSQL's files are not ours to read.
fn on_sqlite(app: &TestApp) -> bool {
    let sqlite = app.state.config.database_url.starts_with("sqlite:");
    if !sqlite {
        eprintln!("skipped: the database files are checked on SQLite only");
    }
    sqlite
}

async fn new_client(app: &TestApp, name: &str, notes: &str) -> String {
    app.create_client(&app.client, &[("name", name), ("notes", notes)]).await
}

/// A long entry (its sealed text fills overflow pages), then an edit: two versions.
async fn write_journal(app: &TestApp, id: &str) {
    let text = "Søvn bedre etter tre uker; snakket om angst på jobb. ".repeat(120);
    let form = [("client_id", id), ("date", "2025-01-10"), ("title", "Første samtale"), ("text", &text)];
    assert_eq!(app.call(CreateJournalEntry::PATH, &form).await.status(), 200);
    let entry: i64 = app.count("SELECT MAX(id) FROM journal_entries").await;
    let entry = entry.to_string();
    let edited = format!("{text} Tillegg.");
    let form = [
        ("client_id", id),
        ("entry_id", &entry),
        ("version", "1"),
        ("date", "2025-01-10"),
        ("title", "Første samtale"),
        ("text", &edited),
    ];
    assert_eq!(app.call(EditJournalEntry::PATH, &form).await.status(), 200);
}

/// The sealed profile (name and contact details) of a client.
async fn sealed_profile(app: &TestApp, id: &str) -> Vec<u8> {
    sqlx::query_scalar("SELECT profile_sealed FROM clients WHERE id = $1")
        .bind(id.parse::<i64>().unwrap())
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// The bytes that would give the client away: the sealed profile, every wrapped data key, the
/// sealed notes and every sealed journal title and text. (The name itself is never in the files:
/// `sealing.rs` shows that.)
async fn secrets_of(app: &TestApp, id: &str) -> Vec<(String, Vec<u8>)> {
    let mut secrets = vec![("sealed profile".to_string(), sealed_profile(app, id).await)];
    let id: i64 = id.parse().unwrap();
    let db = &app.state.db;
    let keys: Vec<Vec<u8>> = sqlx::query_scalar("SELECT wrapped FROM client_keys WHERE client_id = $1")
        .bind(id)
        .fetch_all(db)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    secrets.extend(keys.into_iter().map(|key| ("wrapped key".to_string(), key)));
    let notes: Vec<u8> =
        sqlx::query_scalar("SELECT notes_sealed FROM clients WHERE id = $1").bind(id).fetch_one(db).await.unwrap();
    secrets.push(("sealed notes".into(), notes));
    let versions: Vec<(Vec<u8>, Vec<u8>)> = sqlx::query_as(
        "SELECT v.title, v.body FROM journal_versions v JOIN journal_entries e ON e.id = v.entry_id
         WHERE e.client_id = $1",
    )
    .bind(id)
    .fetch_all(db)
    .await
    .unwrap();
    assert_eq!(versions.len(), 2);
    for (title, body) in versions {
        assert!(body.len() > 4096, "the text spans overflow pages");
        secrets.push(("sealed journal title".into(), title));
        secrets.push(("sealed journal text".into(), body));
    }
    secrets
}

/// Which of the secrets the database file and its WAL hold. A long value is cut into 32-byte
/// pieces, each looked for on its own: SQLite splits a long value over overflow pages, and even
/// one piece of a ciphertext left behind is a leak.
pub fn found_in_files(app: &TestApp, secrets: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut pieces: HashMap<usize, HashMap<&[u8], &str>> = HashMap::new();
    for (what, secret) in secrets {
        let cut: Vec<&[u8]> = if secret.len() <= PIECE { vec![secret] } else { secret.chunks_exact(PIECE).collect() };
        for piece in cut {
            pieces.entry(piece.len()).or_default().insert(piece, what);
        }
    }
    let path = app.state.config.data_dir.join("trygg.db");
    let mut found = BTreeSet::new();
    for file in [path.clone(), path.with_extension("db-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for (length, wanted) in &pieces {
            for window in bytes.windows(*length) {
                if let Some(what) = wanted.get(window) {
                    found.insert(format!("{what} in {name}"));
                }
            }
        }
    }
    found.into_iter().collect()
}

#[tokio::test]
async fn a_deleted_clients_name_key_and_journal_are_gone_from_the_database_files() {
    let app = spawn_app().await;
    if !on_sqlite(&app) {
        return;
    }
    app.signed_in_user(OWNER).await;
    let kept = new_client(&app, KEPT, "Ingen merknader.").await;
    let id = new_client(&app, GONE, "Henvist fra fastlegen.").await;
    write_journal(&app, &kept).await;
    write_journal(&app, &id).await;
    let secrets = secrets_of(&app, &id).await;
    for secret in &secrets {
        let seen = found_in_files(&app, std::slice::from_ref(secret));
        assert!(!seen.is_empty(), "the scan sees the {} while the client exists", secret.0);
    }

    assert_eq!(app.call(DeleteClient::PATH, &[("id", &id)]).await.status(), 200);
    assert_eq!(found_in_files(&app, &secrets), Vec::<String>::new());
    let kept_profile = [("kept client's profile".to_string(), sealed_profile(&app, &kept).await)];
    assert_eq!(found_in_files(&app, &kept_profile).len(), 1, "the other client is still there, in the main file");
    assert_eq!(app.call(GetClient::PATH, &[("id", &kept)]).await.status(), 200);
}

#[tokio::test]
async fn a_reader_on_an_old_snapshot_delays_the_wal_purge_but_never_fails_the_deletion() {
    let app = spawn_app().await;
    if !on_sqlite(&app) {
        return;
    }
    app.signed_in_user(OWNER).await;
    let id = new_client(&app, GONE, "Henvist fra fastlegen.").await;
    write_journal(&app, &id).await;
    let secrets = secrets_of(&app, &id).await;

    // Another connection (a backup tool, a long report) holds a read snapshot open.
    let mut reader = sqlx::SqliteConnection::connect(&app.state.config.database_url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients").fetch_one(&mut reader).await.unwrap();
    assert_eq!(seen, 1);

    assert_eq!(app.call(DeleteClient::PATH, &[("id", &id)]).await.status(), 200);
    assert_eq!(app.call(GetClient::PATH, &[("id", &id)]).await.status(), 404);
    assert!(
        found_in_files(&app, &secrets).iter().any(|f| f.ends_with("trygg.db-wal")),
        "the WAL cannot be emptied while the reader needs it"
    );

    sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
    reader.close().await.unwrap();
    let wal = app.state.config.data_dir.join("trygg.db-wal");
    for _ in 0..100 {
        if std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found_in_files(&app, &secrets), Vec::<String>::new(), "tried again once the reader was done");
}
