//! Client search over 10 000 clients whose names and contact details are sealed, each with its
//! own key. Measures the chosen design (each practice's clients opened once into memory, read
//! again only where they changed) against the two others: opening every client for each search,
//! and a keyed blind index of name and e-mail prefixes in the database.
//! Run: `cargo bench -p server --bench clients`. Results: BENCHMARKS.md.

use std::time::{Duration, Instant};

use app::clients::directory::Directories;
use app::ids::{ClientId, PracticeId};
use app::server::envelope;
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[path = "common.rs"]
#[allow(dead_code, reason = "this bench needs no opening hours or service")]
mod common;

use common::percentile;

const CLIENTS: usize = 10_000;
const FIRST_NAMES: [&str; 10] = ["Ola", "Kari", "Per", "Åse", "Nils", "Ingrid", "Lars", "Sofie", "Jonas", "Emma"];

fn name_of(i: usize) -> String {
    format!("{} Klient{i:05}", FIRST_NAMES[i % FIRST_NAMES.len()])
}

fn report(what: &str, samples: &mut [Duration]) {
    let (p50, p95) = (percentile(samples, 0.5), percentile(samples, 0.95));
    println!("{what:<64} n={:<4} p50={p50:.2?} p95={p95:.2?}", samples.len());
}

/// The blind index's tokens of a client: HMAC of every prefix (2 letters or more) of each word
/// of the name and of the e-mail address.
fn tokens(key: &[u8], name: &str, email: &str) -> Vec<Vec<u8>> {
    let mut tokens = Vec::new();
    for word in name.to_lowercase().split_whitespace().chain([email]) {
        let chars: Vec<char> = word.chars().collect();
        for end in 2..=chars.len() {
            let prefix: String = chars[..end].iter().collect();
            tokens.push(token(key, &prefix));
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

fn token(key: &[u8], text: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(text.as_bytes());
    // Truncated to 8 bytes, as a blind index would be.
    mac.finalize().into_bytes()[..8].to_vec()
}

#[tokio::main]
async fn main() {
    let common::Bench { state, listener, addr, dir, user_id } = common::start().await;
    let practice = PracticeId(1);
    let started = Instant::now();
    for i in 0..CLIENTS {
        common::add_client(&state, practice, &name_of(i), &format!("klient{i:05}@example.no")).await;
    }
    println!("added {CLIENTS} sealed clients in {:.1?}", started.elapsed());

    // 1. No index at all: every search opens every client.
    let mut samples = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let directory = Directories::default();
        let opened = directory.of(&mut state.db.acquire().await.unwrap(), &state.master_key, practice).await.unwrap();
        assert_eq!(opened.len(), CLIENTS);
        samples.push(started.elapsed());
    }
    report("open all 10 000 clients (no index; the directory's first use)", &mut samples);

    // 2. The directory, warm: a revision check and a scan in memory.
    let mut conn = state.db.acquire().await.unwrap();
    let directories = Directories::default();
    directories.of(&mut conn, &state.master_key, practice).await.unwrap();
    for (what, query, expected) in [
        ("directory: search a name part, 1 match", "klient04242", 1),
        ("directory: search a common first name, 1 000 match (500 shown)", "ingrid", 500),
        ("directory: the list's first page (no query, 500 shown)", "", 500),
    ] {
        let mut samples = Vec::new();
        for _ in 0..500 {
            let started = Instant::now();
            let directory = directories.of(&mut conn, &state.master_key, practice).await.unwrap();
            let found = directory.search(query, 500);
            assert_eq!(found.len(), expected, "{query}");
            samples.push(started.elapsed());
        }
        report(what, &mut samples);
    }
    drop(conn);

    // 3. A keyed blind index in the database (measured here only, not part of the app).
    let key = state.master_key.derive("bench.blind-index");
    sqlx::query(
        "CREATE TABLE blind_index (practice_id BIGINT NOT NULL, token BLOB NOT NULL, client_id BIGINT NOT NULL)",
    )
    .execute(&state.db)
    .await
    .unwrap();
    sqlx::query("CREATE INDEX blind_index_by_token ON blind_index (practice_id, token)")
        .execute(&state.db)
        .await
        .unwrap();
    let mut tx = state.db.begin().await.unwrap();
    let mut count = 0;
    for i in 0..CLIENTS {
        for t in tokens(&key, &name_of(i), &format!("klient{i:05}@example.no")) {
            sqlx::query("INSERT INTO blind_index (practice_id, token, client_id) VALUES (1, $1, $2)")
                .bind(t)
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await
                .unwrap();
            count += 1;
        }
    }
    tx.commit().await.unwrap();
    println!("blind index: {count} tokens for {CLIENTS} clients");
    for (what, query, expected) in [
        ("blind index: search a name part, 1 match", "klient04242", 1),
        ("blind index: search a common first name, 1 000 match", "ingrid", 1000),
    ] {
        let mut samples = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            let ids: Vec<ClientId> =
                sqlx::query_scalar("SELECT client_id FROM blind_index WHERE practice_id = 1 AND token = $1")
                    .bind(token(&key, query))
                    .fetch_all(&state.db)
                    .await
                    .unwrap();
            // The matches must still be opened to show and sort them.
            let mut conn = state.db.acquire().await.unwrap();
            let keys = envelope::of_clients(&mut conn, &state.master_key, practice, Some(&ids)).await.unwrap();
            let list = (0..ids.len()).map(|i| format!("${}", i + 1)).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT id, profile_sealed FROM clients WHERE id IN ({list})");
            let mut query = sqlx::query_as::<_, (ClientId, Vec<u8>)>(&sql);
            for id in &ids {
                query = query.bind(*id);
            }
            let mut names = Vec::new();
            for (id, sealed) in query.fetch_all(&mut *conn).await.unwrap() {
                names.push(app::clients::directory::Profile::open(&keys[&id], &sealed).unwrap().name);
            }
            names.sort();
            assert_eq!(names.len(), expected);
            samples.push(started.elapsed());
        }
        report(what, &mut samples);
    }

    // 4. Through HTTP, as the browser asks: the list endpoint and the page.
    let token = state.sessions.create(user_id, "127.0.0.1", "bench").await.unwrap();
    let common::launch::Running { stop, server } = common::launch::run(listener, state.clone());
    let client = reqwest::Client::new();
    let cookie = format!("trygg_session={}", token.expose());
    let origin = format!("http://{addr}");
    for (what, query) in [
        ("POST /api/clients/list, a name part (1 match)", "klient04242"),
        ("POST /api/clients/list, no query (the first 500)", ""),
    ] {
        let mut samples = Vec::new();
        for i in 0..300 {
            let started = Instant::now();
            let response = client
                .post(format!("{origin}/api/clients/list"))
                .header("cookie", &cookie)
                .header("origin", &origin)
                .form(&[("query", query)])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap();
            if i >= 20 {
                samples.push(started.elapsed());
            }
        }
        report(what, &mut samples);
    }
    for (what, path, expected) in [
        ("GET /clients, the list's first page (500 rows, rendered)", "/clients", "Emma Klient00009"),
        ("GET /clients?q=klient04242 (the page with one match)", "/clients?q=klient04242", "Klient04242"),
    ] {
        let mut samples = Vec::new();
        for i in 0..200 {
            let started = Instant::now();
            let response = client.get(format!("{origin}{path}")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let page = response.text().await.unwrap();
            assert!(page.contains(expected), "{path}");
            if i >= 20 {
                samples.push(started.elapsed());
            }
        }
        report(what, &mut samples);
    }

    let _ = stop.send(());
    let _ = server.await;
    let _ = std::fs::remove_dir_all(dir);
}
